package io.nanostream.kafka;

import io.nanostream.flow.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** How {@link KafkaSink#deadLetters} writes a dead letter: the original bytes where known, plus why. */
final class DeadLetterRecords {

    private DeadLetterRecords() {
    }

    static ProducerRecord<byte[], byte[]> toRecord(String topic, DeadLetter letter) {
        Object item = letter.item();
        Headers headers = new RecordHeaders();
        byte[] key = null;
        byte[] value;
        if (item instanceof ConsumerRecord<?, ?> raw) {
            key = bytes(raw.key());
            value = bytes(raw.value());
            raw.headers().forEach(headers::add);
            headers.add(KafkaSink.ORIGIN_HEADER, utf8(raw.topic() + "-" + raw.partition() + "@" + raw.offset()));
        } else if (item instanceof KafkaRecord<?, ?> record) {
            key = bytes(record.key());
            value = bytes(record.value());
            headers.add(KafkaSink.ORIGIN_HEADER, utf8(record.topic() + "-" + record.partition() + "@" + record.offset()));
        } else {
            value = utf8(String.valueOf(item));
        }
        headers.add(KafkaSink.STEP_HEADER, utf8(letter.step()));
        headers.add(KafkaSink.ERROR_CLASS_HEADER, utf8(rootCause(letter.error()).getClass().getName()));
        headers.add(KafkaSink.ERROR_MESSAGE_HEADER, utf8(letter.errorMessage()));
        return new ProducerRecord<>(topic, null, key, value, headers);
    }

    /**
     * The innermost cause: what went wrong, under the wrappers that said where (a record that
     * does not deserialize is wrapped in a KafkaException naming its partition and offset).
     */
    private static Throwable rootCause(Throwable error) {
        Throwable root = error;
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (root.getCause() != null && seen.add(root)) {
            root = root.getCause();
        }
        return root;
    }

    private static byte[] bytes(Object content) {
        if (content == null || content instanceof byte[]) {
            return (byte[]) content;
        }
        return utf8(content.toString());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
