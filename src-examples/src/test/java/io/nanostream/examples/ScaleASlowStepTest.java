package io.nanostream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.examples.ScaleASlowStep.Priced;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ScaleASlowStepTest {

    @Test
    void fourLanesPriceEveryOrderAndKeepEachCustomersOrder() throws Exception {
        var orders = ScaleASlowStep.orders(10);

        List<Priced> priced = ScaleASlowStep.price(orders, 4);

        assertEquals(orders.size(), priced.size());
        assertEquals(orders.size(), new HashSet<>(priced).size(), "each order once");
        Map<String, List<Integer>> numbersByCustomer = priced.stream().collect(Collectors.groupingBy(Priced::customer,
                LinkedHashMap::new, Collectors.mapping(Priced::number, Collectors.toList())));
        for (List<Integer> numbers : numbersByCustomer.values()) {
            assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), numbers);
        }
    }

    @Test
    void theComparisonPricesEveryOrderWithOneLaneAndWithFour() throws Exception {
        var console = new java.io.ByteArrayOutputStream();

        ScaleASlowStep.compare(new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8));

        List<String> lines = console.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList();
        assertEquals(2, lines.size(), lines.toString());
        assertEquals(true, lines.get(0).matches("1 lane\\(s\\): 400 orders priced in \\d+ ms"), lines.get(0));
        assertEquals(true, lines.get(1).matches("4 lane\\(s\\): 400 orders priced in \\d+ ms"), lines.get(1));
    }
}
