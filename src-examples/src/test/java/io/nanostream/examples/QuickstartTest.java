package io.nanostream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class QuickstartTest {

    @Test
    void keepsTheExpensiveOrdersInInputOrder() throws Exception {
        assertEquals(List.of("a", "c"), Quickstart.run());
    }
}
