package io.nanostream.flow;

import java.time.Instant;

/**
 * The result of one key's window, emitted by {@link Steps#window}.
 *
 * <pre>{@code
 * var totals = Steps.window(Order::customer, Window.ofTime(Duration.ofMinutes(1)),
 *         Collectors.summingInt(Order::amount));
 * // emits e.g. Windowed[key=alice, value=420, start=12:00:00Z, end=12:01:00Z, count=3]
 * }</pre>
 *
 * @param <K> the type of keys
 * @param <R> the type of results
 * @param key the key
 * @param value what the collector made of the key's items in the window
 * @param start when the window opened: for time windows its aligned start, for count windows
 *     when its first item arrived
 * @param end when the window closed: for time windows its aligned end, for count windows when it
 *     filled up or the input ended
 * @param count how many items the window held
 */
public record Windowed<K, R>(K key, R value, Instant start, Instant end, long count) {
}
