package io.nanostream.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nanostream.testkit.CollectingSink;
import io.nanostream.testkit.InMemorySource;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** The examples in the javadoc of {@link KeyedCallStep} and of {@code Steps.mapAsyncByKey}/{@code mapBlockingByKey}, kept true. */
class KeyedCallStepExampleTest {

    record Payment(String account, long cents) {
    }

    record Receipt(String account, long cents) {
    }

    record Order(String customer, int items) {
    }

    record Price(String customer, long cents) {
    }

    /** An asynchronous client. */
    static final class Bank {
        CompletionStage<Receipt> charge(Payment payment) {
            return CompletableFuture.supplyAsync(() -> new Receipt(payment.account(), payment.cents()));
        }
    }

    /** A blocking client. */
    static final class Prices {
        Price lookUp(Order order) throws java.io.IOException {
            return new Price(order.customer(), 250L * order.items());
        }
    }

    private final Bank bank = new Bank();
    private final Prices prices = new Prices();

    @Test
    void chargeEachAccountInOrder() throws Exception {
        AbstractStep<Payment, Receipt> charge = Steps.mapAsyncByKey(Payment::account, 256, bank::charge)
                .timeout(Duration.ofSeconds(5))
                .named("charge")
                .withErrorPolicy(ErrorPolicy.retry(3, Duration.ofMillis(200)));
        var source = InMemorySource.of(new Payment("a", 1), new Payment("b", 2), new Payment("a", 3));
        var sink = new CollectingSink<Receipt>();
        source.subscribe(charge);
        charge.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(20));
        }
        assertEquals(List.of(new Receipt("a", 1), new Receipt("a", 3)),
                sink.items().stream().filter(receipt -> receipt.account().equals("a")).toList());
    }

    @Test
    void priceEachCustomersOrdersInOrder() throws Exception {
        KeyedCallStep<Order, Price> price = Steps.mapBlockingByKey(Order::customer, 200, prices::lookUp);
        var source = InMemorySource.of(new Order("c", 2), new Order("c", 1));
        var sink = new CollectingSink<Price>();
        source.subscribe(price);
        price.subscribe(sink);
        try (var pipeline = Pipeline.from(source)) {
            pipeline.start();
            pipeline.await(Duration.ofSeconds(20));
        }
        assertEquals(List.of(new Price("c", 500), new Price("c", 250)), sink.items());
    }
}
