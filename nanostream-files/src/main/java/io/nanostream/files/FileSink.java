package io.nanostream.files;

import io.nanostream.flow.AbstractSink;
import io.nanostream.flow.Held;
import io.nanostream.flow.Scheduler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes items to files in a directory, one line (or length-delimited record) each, and
 * acknowledges an item only once the bytes it wrote are forced to disk ({@code fsync}): a source
 * that tracks delivery reads again what a crash kept from the disk (at least once).
 *
 * <p><b>Files.</b> The sink writes {@code <prefix>-<number><suffix>.inprogress}, numbered on from
 * the highest number in the directory, and rolls it, renaming it to
 * {@code <prefix>-<number><suffix>}, once it holds {@link Builder#rollAtBytes} (128 MiB unless
 * given) or has been open for {@link Builder#rollAfter} (an hour unless given), and when its
 * input ends. A reader takes only the files without {@code .inprogress}: they are complete and
 * never change. As it starts, the sink finishes what a crash left in progress: it cuts the file
 * after its last whole line or record (what was written after the last {@code fsync} and only in
 * part) and rolls it.
 *
 * <p><b>Batches.</b> The sink writes each item as it comes, and forces the file to disk once
 * {@link Builder#batchSize} items (1 000 unless given) wait for it, or the oldest has waited
 * {@link Builder#maxWait} (100 ms unless given); then it acknowledges them. An item the encoder
 * throws on goes to the sink's error policy; a write that fails (a full disk) fails the pipeline,
 * and the items not forced yet are not acknowledged.
 *
 * <pre>{@code
 * FileSink<String> out = FileSink.lines(Path.of("/var/lib/etl/out"), (String line) -> line)
 *         .prefix("orders")
 *         .suffix(".csv")
 *         .rollAtBytes(64 * 1024 * 1024)
 *         .build();
 * steps.subscribe(out);
 * }</pre>
 *
 * @param <T> the type of items
 */
public final class FileSink<T> extends AbstractSink<T> {

    private static final String IN_PROGRESS = ".inprogress";
    private static final System.Logger LOG = System.getLogger(FileSink.class.getName());

    private final Path directory;
    private final Function<? super T, byte[]> encoder;
    private final boolean lengthDelimited;
    private final String prefix;
    private final String suffix;
    private final long rollAtBytes;
    private final Duration rollAfter;
    private final int batchSize;
    private final Duration maxWait;
    private final Pattern names;

    private final List<Held> unforced = new ArrayList<>();
    private ByteBuffer pending = ByteBuffer.allocate(64 * 1024);
    private FileChannel channel;
    private Path current;
    private long number;
    private long written;
    private long batchNumber;
    private long fileNumber;
    private Scheduler.Task batchTimer;
    private Scheduler.Task rollTimer;

    private FileSink(Builder<T> builder) {
        super(builder.name, 2 * builder.batchSize);
        this.directory = builder.directory;
        this.encoder = builder.encoder;
        this.lengthDelimited = builder.lengthDelimited;
        this.prefix = builder.prefix;
        this.suffix = builder.suffix;
        this.rollAtBytes = builder.rollAtBytes;
        this.rollAfter = builder.rollAfter;
        this.batchSize = builder.batchSize;
        this.maxWait = builder.maxWait;
        this.names = Pattern.compile(Pattern.quote(prefix) + "-(\\d+)" + Pattern.quote(suffix) + "("
                + Pattern.quote(IN_PROGRESS) + ")?");
    }

    /**
     * Starts building a sink that writes each item as a line: the encoder's text, in UTF-8 unless
     * {@link Builder#charset} says otherwise, and a {@code \n}.
     *
     * @param directory where the files go; it must exist
     * @param encoder an item's line, without its end
     * @param <T> the type of items
     * @return the builder
     */
    public static <T> Builder<T> lines(Path directory, Function<? super T, String> encoder) {
        Objects.requireNonNull(encoder, "encoder");
        Builder<T> builder = new Builder<>(directory, false);
        builder.encoder = item -> {
            String line = encoder.apply(item);
            if (line.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a line must not hold a line end: " + line.replace("\n", "\\n"));
            }
            return (line + '\n').getBytes(builder.charset);
        };
        return builder;
    }

    /**
     * Starts building a sink that writes each item as a length-delimited record: a four-byte
     * big-endian length and the encoder's bytes, as {@link FileSource.Builder#lengthDelimited()}
     * reads them.
     *
     * @param directory where the files go; it must exist
     * @param encoder an item's bytes
     * @param <T> the type of items
     * @return the builder
     */
    public static <T> Builder<T> records(Path directory, Function<? super T, byte[]> encoder) {
        Objects.requireNonNull(encoder, "encoder");
        Builder<T> builder = new Builder<>(directory, true);
        builder.encoder = item -> {
            byte[] bytes = encoder.apply(item);
            return ByteBuffer.allocate(Integer.BYTES + bytes.length).putInt(bytes.length).put(bytes).array();
        };
        return builder;
    }

    @Override
    protected void onStart() throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new IOException(name() + " cannot write to " + directory + ": it is not a directory; create it first");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                Matcher name = names.matcher(entry.getFileName().toString());
                if (name.matches()) {
                    number = Math.max(number, Long.parseLong(name.group(1)));
                    if (name.group(2) != null) {
                        recover(entry);
                    }
                }
            }
        }
    }

    /** Cuts a file a crash left in progress after its last whole line or record, and rolls it. */
    private void recover(Path file) throws IOException {
        try (FileChannel left = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long whole = lengthDelimited ? wholeRecords(left) : wholeLines(left);
            if (whole < left.size()) {
                LOG.log(System.Logger.Level.INFO, () -> name() + ": " + file + " ends with a part of a line or record,"
                        + " written as the last run stopped; cutting it at byte " + whole);
                left.truncate(whole);
            }
            left.force(true);
        }
        String name = file.getFileName().toString();
        Files.move(file, file.resolveSibling(name.substring(0, name.length() - IN_PROGRESS.length())),
                StandardCopyOption.ATOMIC_MOVE);
        PositionsFile.forceDirectory(directory);
    }

    private static long wholeLines(FileChannel file) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(64 * 1024);
        for (long end = file.size(); end > 0; ) {
            long from = Math.max(0, end - block.capacity());
            block.clear().limit((int) (end - from));
            file.read(block, from);
            for (int i = block.position() - 1; i >= 0; i--) {
                if (block.get(i) == '\n') {
                    return from + i + 1;
                }
            }
            end = from;
        }
        return 0;
    }

    private static long wholeRecords(FileChannel file) throws IOException {
        ByteBuffer length = ByteBuffer.allocate(Integer.BYTES);
        long at = 0;
        while (true) {
            length.clear();
            if (file.read(length, at) < Integer.BYTES || at + Integer.BYTES + length.getInt(0) > file.size()
                    || length.getInt(0) < 0) {
                return at;
            }
            at += Integer.BYTES + length.getInt(0);
        }
    }

    @Override
    protected void consume(T item) throws IOException {
        byte[] bytes = encoder.apply(item); // an encoder that throws: the item goes to the error policy
        if (channel == null) {
            open();
        }
        if (pending.remaining() < bytes.length) {
            drain();
            if (pending.capacity() < bytes.length) {
                pending = ByteBuffer.allocate(bytes.length);
            }
        }
        pending.put(bytes);
        written += bytes.length;
        unforced.add(holdInput());
        if (unforced.size() == 1) {
            long batch = batchNumber;
            batchTimer = schedule(maxWait, () -> forceOnTimer(batch));
        }
        if (unforced.size() >= batchSize) {
            force();
        }
    }

    @Override
    protected void onEndOfInput() throws IOException {
        force();
        roll();
    }

    @Override
    protected void onFailure(Throwable error) {
        if (channel != null) {
            try {
                channel.close(); // left in progress; the next start cuts and rolls it
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> name() + " could not close " + current + ": " + e);
            }
            channel = null;
        }
    }

    private void open() throws IOException {
        number++;
        current = directory.resolve(String.format("%s-%06d%s%s", prefix, number, suffix, IN_PROGRESS));
        channel = FileChannel.open(current, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        PositionsFile.forceDirectory(directory);
        written = 0;
        long file = ++fileNumber;
        rollTimer = schedule(rollAfter, () -> rollOnTimer(file));
    }

    private void forceOnTimer(long batch) {
        if (batch == batchNumber) {
            try {
                force();
            } catch (IOException e) {
                throw pipelineFailure(e);
            }
        }
    }

    private void rollOnTimer(long file) {
        if (file == fileNumber && channel != null) {
            try {
                force();
                roll();
            } catch (IOException e) {
                throw pipelineFailure(e);
            }
        }
    }

    /** Writes what waits, forces it to disk and acknowledges its items; rolls the file if it is full. */
    private void force() throws IOException {
        batchNumber++;
        if (batchTimer != null) {
            batchTimer.cancel();
            batchTimer = null;
        }
        if (channel == null) {
            return;
        }
        try {
            drain();
            channel.force(false);
        } catch (IOException e) {
            throw pipelineFailure(new IOException(name() + " could not write " + current + ": " + e.getMessage(), e));
        }
        unforced.forEach(Held::release);
        unforced.clear();
        if (written >= rollAtBytes) {
            roll();
        }
    }

    private void drain() throws IOException {
        pending.flip();
        while (pending.hasRemaining()) {
            channel.write(pending);
        }
        pending.clear();
    }

    /** Closes the file, forced already, under its final name. */
    private void roll() throws IOException {
        if (channel == null) {
            return;
        }
        if (rollTimer != null) {
            rollTimer.cancel();
        }
        channel.close();
        channel = null;
        String name = current.getFileName().toString();
        Files.move(current, current.resolveSibling(name.substring(0, name.length() - IN_PROGRESS.length())),
                StandardCopyOption.ATOMIC_MOVE);
        PositionsFile.forceDirectory(directory);
    }

    /**
     * Builds a {@link FileSink}.
     *
     * <pre>{@code
     * FileSink<byte[]> sink = FileSink.records(Path.of("out"), (byte[] bytes) -> bytes)
     *         .prefix("events")
     *         .suffix(".bin")
     *         .rollAfter(Duration.ofMinutes(10))
     *         .batchSize(500)
     *         .build();
     * }</pre>
     *
     * @param <T> the type of items
     */
    public static final class Builder<T> {
        private final Path directory;
        private final boolean lengthDelimited;
        private Function<? super T, byte[]> encoder;
        private Charset charset = StandardCharsets.UTF_8;
        private String prefix = "part";
        private String suffix;
        private long rollAtBytes = 128L * 1024 * 1024;
        private Duration rollAfter = Duration.ofHours(1);
        private int batchSize = 1_000;
        private Duration maxWait = Duration.ofMillis(100);
        private String name = "FileSink";

        private Builder(Path directory, boolean lengthDelimited) {
            this.directory = Objects.requireNonNull(directory, "directory");
            this.lengthDelimited = lengthDelimited;
            this.suffix = lengthDelimited ? ".bin" : ".txt";
        }

        /**
         * What lines are encoded with: UTF-8 unless given.
         *
         * @param charset the charset
         * @return this builder
         */
        public Builder<T> charset(Charset charset) {
            this.charset = Objects.requireNonNull(charset, "charset");
            return this;
        }

        /**
         * How the files' names begin: {@code part} unless given.
         *
         * @param prefix the prefix, without a path separator
         * @return this builder
         * @throws IllegalArgumentException if prefix is empty or holds a path separator
         */
        public Builder<T> prefix(String prefix) {
            this.prefix = fileNamePart("prefix", prefix);
            if (prefix.isEmpty()) {
                throw new IllegalArgumentException("prefix must not be empty");
            }
            return this;
        }

        /**
         * How the files' names end: {@code .txt} for lines, {@code .bin} for records, unless given.
         *
         * @param suffix the suffix, without a path separator
         * @return this builder
         * @throws IllegalArgumentException if suffix holds a path separator
         */
        public Builder<T> suffix(String suffix) {
            this.suffix = fileNamePart("suffix", suffix);
            return this;
        }

        /**
         * Rolls a file once it holds this many bytes: 128 MiB unless given.
         *
         * @param bytes the size
         * @return this builder
         * @throws IllegalArgumentException if bytes is not positive
         */
        public Builder<T> rollAtBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("rollAtBytes must be positive: " + bytes);
            }
            this.rollAtBytes = bytes;
            return this;
        }

        /**
         * Rolls a file once it has been open this long, written to or not: an hour unless given.
         *
         * @param age the age
         * @return this builder
         * @throws IllegalArgumentException if age is not positive
         */
        public Builder<T> rollAfter(Duration age) {
            this.rollAfter = FileSource.Builder.positive("rollAfter", age);
            return this;
        }

        /**
         * Forces the file to disk, and acknowledges what it holds, once this many items wait: 1 000
         * unless given.
         *
         * @param items the number of items
         * @return this builder
         * @throws IllegalArgumentException if items is not positive
         */
        public Builder<T> batchSize(int items) {
            if (items <= 0) {
                throw new IllegalArgumentException("batchSize must be positive: " + items);
            }
            this.batchSize = items;
            return this;
        }

        /**
         * Forces the file to disk once the oldest item not forced has waited this long: 100 ms
         * unless given.
         *
         * @param wait the wait
         * @return this builder
         * @throws IllegalArgumentException if wait is not positive
         */
        public Builder<T> maxWait(Duration wait) {
            this.maxWait = FileSource.Builder.positive("maxWait", wait);
            return this;
        }

        /**
         * Names the sink, for its threads, metrics and messages.
         *
         * @param name the name
         * @return this builder
         */
        public Builder<T> named(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Builds the sink.
         *
         * @return the sink
         */
        public FileSink<T> build() {
            return new FileSink<>(this);
        }

        private static String fileNamePart(String what, String part) {
            Objects.requireNonNull(part, what);
            if (part.contains("/") || part.contains("\\")) {
                throw new IllegalArgumentException(what + " must not hold a path separator: " + part);
            }
            return part;
        }
    }
}
