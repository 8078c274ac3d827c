package io.nanostream.benchmarks;

import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The chain on Reactor: a generated source, then publishOn before each of the three steps (the
 * same three asynchronous boundaries), each with the buffer size as its prefetch.
 */
final class ReactorChain {

    private ReactorChain() {
    }

    static long run(long items, int bufferSize) {
        Scheduler first = Schedulers.newSingle("times3");
        Scheduler second = Schedulers.newSingle("even");
        Scheduler third = Schedulers.newSingle("plus1");
        try {
            Long sum = Flux.<Long, Long>generate(() -> 0L, (i, sink) -> {
                        if (i < items) {
                            sink.next(i);
                        } else {
                            sink.complete();
                        }
                        return i + 1;
                    })
                    .publishOn(first, bufferSize).map(Chain::timesThree)
                    .publishOn(second, bufferSize).filter(Chain::even)
                    .publishOn(third, bufferSize).map(Chain::plusOne)
                    .reduce(0L, Long::sum)
                    .block(Duration.ofMinutes(10));
            return Chain.check(sum, items);
        } finally {
            first.dispose();
            second.dispose();
            third.dispose();
        }
    }
}
