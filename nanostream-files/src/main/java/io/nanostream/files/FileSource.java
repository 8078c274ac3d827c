package io.nanostream.files;

import io.nanostream.flow.AbstractSource;
import io.nanostream.flow.internal.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads lines, or length-delimited records, from files, and remembers in a small positions file
 * how far in each file the pipeline has <em>finished</em>, not how far it has read: a restart,
 * after a crash or a stop, resumes after the last record that, with everything derived from it,
 * reached every sink, with nothing unfinished before it. Records after that position may have
 * been processed before the crash; they are read again (at least once).
 *
 * <p><b>Lines and records.</b> A line ends with {@code \n} (a {@code \r} before it is dropped too)
 * and is decoded with the source's charset ({@link FileRecord#text()}); a file's last line needs
 * no end unless the source follows the file. With {@link Builder#lengthDelimited()}, each record
 * is a four-byte big-endian length followed by that many bytes. A line longer than
 * {@link Builder#maxRecordBytes} goes to the source's {@linkplain #withErrorPolicy error policy}
 * (the pipeline fails unless it says skip or dead-letter), and the lines after it are read as
 * usual; a record length beyond it means the file is not length-delimited, and fails the pipeline.
 *
 * <p><b>Following.</b> Without {@link Builder#follow}, the source reads each file to its end and
 * then completes; a missing file fails the pipeline as it starts. With it, the source goes on
 * like {@code tail -F}: it waits for files that do not exist yet, reads what is appended, reads
 * a file replaced under its name (rotated) from its start once the old one is read to its end,
 * and one that shrank (truncated) from its start again; a line is read once its end was written.
 * The files are read in turns, each a partition of the source for event-time windows.
 *
 * <p><b>Positions.</b> The positions file holds one line per file (position, identity, path); it
 * is written whole to a new file, forced to disk and moved over the old one, at most every
 * {@link Builder#commitInterval} (a second unless given) and when the source ends, so a crash
 * leaves either version, never a torn one. A file whose identity (its inode) differs from the one
 * recorded was replaced, and is read from its start. Without a positions file every run reads
 * every file from its start. Lines of a rotated file that were in the pipeline when the process
 * died are not read again: the old file has moved away.
 *
 * <pre>{@code
 * FileSource orders = FileSource.builder(Path.of("/var/log/orders.log"))
 *         .positions(Path.of("/var/lib/orders-etl/positions"))
 *         .follow(Duration.ofMillis(200))
 *         .build();
 * AbstractStep<FileRecord, String> text = Steps.map(FileRecord::text);
 * orders.subscribe(text);
 * }</pre>
 */
public final class FileSource extends AbstractSource<FileRecord> {

    private static final System.Logger LOG = System.getLogger(FileSource.class.getName());
    /** The most records one file gives in its turn, so that followed files take turns. */
    private static final int TURN = 1_024;

    private final List<Path> files;
    private final Path positionsPath;
    private final Duration pollInterval;
    private final boolean lengthDelimited;
    private final Charset charset;
    private final int maxRecordBytes;
    private final Duration commitInterval;
    private final Duration stopTimeout;

    private final List<Reader> readers = new ArrayList<>();
    private PositionsFile positions;
    private long lastCommit;
    private volatile String notReady = "not started";

    private FileSource(Builder builder) {
        super(builder.name, builder.bufferSize);
        this.files = List.copyOf(builder.files);
        this.positionsPath = builder.positions;
        this.pollInterval = builder.pollInterval;
        this.lengthDelimited = builder.lengthDelimited;
        this.charset = builder.charset;
        this.maxRecordBytes = builder.maxRecordBytes;
        this.commitInterval = builder.commitInterval;
        this.stopTimeout = builder.stopTimeout;
    }

    /**
     * Starts building a source that reads these files.
     *
     * @param files the files, read in turns
     * @return the builder
     * @throws NullPointerException if a file is null
     * @throws IllegalArgumentException if there is no file, or a file is given twice
     */
    public static Builder builder(Path... files) {
        return builder(Arrays.asList(files));
    }

    /**
     * Starts building a source that reads these files.
     *
     * @param files the files, read in turns
     * @return the builder
     * @throws NullPointerException if a file is null
     * @throws IllegalArgumentException if there is no file, or a file is given twice
     */
    public static Builder builder(List<Path> files) {
        List<Path> given = List.copyOf(files);
        if (given.isEmpty()) {
            throw new IllegalArgumentException("a FileSource needs a file to read");
        }
        if (given.stream().map(file -> file.toAbsolutePath().normalize()).distinct().count() < given.size()) {
            throw new IllegalArgumentException("a file is given twice: " + given);
        }
        return new Builder(given);
    }

    @Override
    protected boolean tracksDelivery() {
        return true;
    }

    @Override
    protected String notReadyReason() {
        return notReady;
    }

    @Override
    protected void onStart() throws IOException {
        positions = positionsPath == null ? PositionsFile.none() : PositionsFile.load(positionsPath);
        for (Path file : files) {
            if (pollInterval == null && !Files.isReadable(file)) {
                throw new NoSuchFileException(file.toString(), null, name() + " cannot read it: check the path,"
                        + " or follow(..) to wait for it to be written");
            }
            readers.add(new Reader(file));
        }
    }

    @Override
    protected void produce() throws IOException, InterruptedException {
        partitionsChanged(files);
        lastCommit = scheduler().nanoTime();
        while (!isStopping()) {
            boolean read = false;
            boolean finished = true;
            String waiting = null;
            for (Reader reader : readers) {
                read |= reader.readTurn();
                finished &= reader.finished;
                if (waiting == null && reader.channel == null && !reader.finished) {
                    waiting = "source '" + name() + "' waits for " + reader.file + " to exist";
                }
            }
            notReady = waiting;
            if (finished) {
                return;
            }
            if (scheduler().nanoTime() - lastCommit >= commitInterval.toNanos()) {
                commit();
            }
            if (!read) {
                scheduler().sleep(pollInterval);
            }
        }
    }

    @Override
    protected void afterEnd() throws IOException, InterruptedException {
        try {
            long deadline = System.nanoTime() + stopTimeout.toNanos();
            long unsettled = 0;
            for (Reader reader : readers) {
                unsettled += reader.progress == null ? 0 : reader.progress.awaitSettled(deadline);
            }
            if (unsettled > 0) {
                LOG.log(System.Logger.Level.WARNING, name() + " stopped with " + unsettled + " records unsettled after "
                        + stopTimeout + "; the next run reads them again");
            }
            commit();
        } finally {
            notReady = "stopped";
            for (Reader reader : readers) {
                reader.close();
            }
        }
    }

    private void commit() throws IOException {
        lastCommit = scheduler().nanoTime();
        boolean changed = false;
        for (Reader reader : readers) {
            if (reader.progress != null) {
                PositionsFile.Position now = new PositionsFile.Position(reader.identity, reader.progress.position());
                if (!now.equals(positions.get(reader.file))) {
                    positions.put(reader.file, now);
                    changed = true;
                }
            }
        }
        if (changed) {
            positions.save();
        }
    }

    /** One file: its channel, what was read of it and not yet made a record, and its progress. */
    private final class Reader {
        private final Path file;
        private FileChannel channel;
        private String identity;
        private Progress progress;
        private ByteBuffer buffer;
        /** The position in the file of the buffer's first unread byte. */
        private long start;
        /** How many of the buffer's unread bytes were already searched for a line end. */
        private int scanned;
        /** While a line too long is skipped: where it began, and its first bytes; else -1. */
        private long skippedFrom = -1;
        private byte[] skippedHead;
        private boolean finished;

        Reader(Path file) {
            this.file = file;
        }

        /** Reads up to a turn's records; returns whether it read any. */
        boolean readTurn() throws IOException {
            if (finished || channel == null && !open()) {
                return false;
            }
            int read = 0;
            while (read < TURN && !finished && next()) {
                read++;
            }
            if (read == 0 && pollInterval != null) {
                reopenIfReplaced();
            }
            return read > 0;
        }

        /** Opens the file where its positions left it; false if it does not exist yet. */
        private boolean open() throws IOException {
            String current = PositionsFile.identity(file);
            try {
                channel = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return false;
            }
            PositionsFile.Position saved = positions.get(file);
            long from = 0;
            if (saved != null && identity == null) { // as the source starts
                if (!saved.identity().equals(current)) {
                    LOG.log(System.Logger.Level.INFO, () -> name() + ": " + file + " is not the file the positions were"
                            + " kept for (it was replaced); reading it from its start");
                } else if (saved.position() > channel.size()) {
                    LOG.log(System.Logger.Level.WARNING, () -> name() + ": " + file + " is shorter than its kept position "
                            + saved.position() + " (it was truncated); reading it from its start");
                } else {
                    from = saved.position();
                }
            }
            identity = current;
            channel.position(from);
            start = from;
            scanned = 0;
            progress = new Progress(from);
            buffer = ByteBuffer.allocate(Math.min(64 * 1024, capacityNeeded())).flip();
            return true;
        }

        /** At the end of a followed file: starts over if it was replaced or truncated. */
        private void reopenIfReplaced() throws IOException {
            String current = PositionsFile.identity(file);
            if (!current.isEmpty() && !current.equals(identity)) {
                LOG.log(System.Logger.Level.INFO, () -> name() + ": " + file + " was replaced; reading the new one");
                if (buffer.hasRemaining() && skippedFrom < 0 && !lengthDelimited) {
                    emitLine(buffer.remaining(), buffer.remaining()); // the old file's last line had no end
                }
                close();
                open();
            } else if (channel.size() < channel.position()) {
                LOG.log(System.Logger.Level.WARNING, () -> name() + ": " + file + " was truncated; reading it from its"
                        + " start");
                close();
                open(); // the same file: from its start

            }
        }

        /** Makes the next record, emitting it or handing it to the error policy; false if none is complete yet. */
        private boolean next() throws IOException {
            while (true) {
                if (lengthDelimited ? nextRecord() : nextLine()) {
                    return true;
                }
                if (!fill()) {
                    return pollInterval == null && atEnd();
                }
            }
        }

        private boolean nextLine() {
            int from = buffer.position();
            for (int i = from + scanned; i < buffer.limit(); i++) {
                if (buffer.get(i) == '\n') {
                    int length = i - from;
                    emitLine(length > 0 && buffer.get(i - 1) == '\r' ? length - 1 : length, length + 1);
                    return true;
                }
            }
            scanned = buffer.remaining();
            if (skippedFrom >= 0) {
                start += scanned; // what is skipped goes
                buffer.position(buffer.limit());
                scanned = 0;
            } else if (scanned > maxRecordBytes) {
                skippedFrom = start;
                skippedHead = new byte[maxRecordBytes];
                buffer.get(skippedHead);
                start += maxRecordBytes;
                scanned -= maxRecordBytes;
            }
            return false;
        }

        /** Emits the line of {@code length} bytes at the buffer's position, which takes {@code taken} bytes of the file. */
        private void emitLine(int length, int taken) {
            long offset = start;
            long after = start + taken;
            if (skippedFrom >= 0) {
                long from = skippedFrom;
                byte[] head = skippedHead;
                skippedFrom = -1;
                skippedHead = null;
                buffer.position(buffer.position() + taken);
                start = after;
                scanned = 0;
                reject(new FileRecord(file, from, head, charset), new IOException("the line at byte " + from + " of "
                        + file + " is " + (after - from) + " bytes long, longer than the " + maxRecordBytes
                        + " bytes allowed: raise maxRecordBytes(..) if lines are that long, or fix what writes the file;"
                        + " its first " + maxRecordBytes + " bytes are the rejected record"), progress.emitted(after));
                return;
            }
            byte[] bytes = new byte[length];
            buffer.get(buffer.position(), bytes);
            buffer.position(buffer.position() + taken);
            start = after;
            scanned = 0;
            emit(new FileRecord(file, offset, bytes, charset), file, progress.emitted(after));
        }

        private boolean nextRecord() throws IOException {
            if (buffer.remaining() < Integer.BYTES) {
                return false;
            }
            int length = buffer.getInt(buffer.position());
            if (length < 0 || length > maxRecordBytes) {
                throw new IOException(file + " holds no length-delimited record at byte " + start + ": its length prefix"
                        + " reads " + length + ", and at most " + maxRecordBytes + " is allowed; is it a file of lines,"
                        + " or are its records longer (maxRecordBytes(..))?");
            }
            if (buffer.remaining() < Integer.BYTES + length) {
                return false;
            }
            byte[] bytes = new byte[length];
            buffer.get(buffer.position() + Integer.BYTES, bytes);
            long offset = start;
            start += Integer.BYTES + length;
            buffer.position(buffer.position() + Integer.BYTES + length);
            emit(new FileRecord(file, offset, bytes, charset), file, progress.emitted(start));
            return true;
        }

        /** Reads more of the file into the buffer; false if there was nothing more. */
        private boolean fill() throws IOException {
            if (buffer.position() == 0 && buffer.limit() == buffer.capacity()) {
                ByteBuffer larger = ByteBuffer.allocate(Math.min(2 * buffer.capacity(), capacityNeeded()));
                buffer = larger.put(buffer).flip();
            }
            buffer.compact();
            int read = channel.read(buffer);
            buffer.flip();
            return read > 0;
        }

        /** The end of a file read without following: its last line, if it has no end, then done. */
        private boolean atEnd() throws IOException {
            finished = true;
            if (lengthDelimited && buffer.hasRemaining()) {
                throw new IOException(file + " ends inside a record at byte " + start + " (" + buffer.remaining()
                        + " bytes of it are there): what wrote it stopped mid-record");
            }
            if (buffer.hasRemaining() || skippedFrom >= 0) {
                emitLine(buffer.remaining(), buffer.remaining());
                return true;
            }
            return false;
        }

        private int capacityNeeded() {
            return maxRecordBytes + (lengthDelimited ? Integer.BYTES : 2);
        }

        void close() throws IOException {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
    }

    /**
     * Builds a {@link FileSource}.
     *
     * <pre>{@code
     * FileSource source = FileSource.builder(Path.of("in/a.log"), Path.of("in/b.log"))
     *         .positions(Path.of("state/positions"))
     *         .commitInterval(Duration.ofMillis(500))
     *         .named("logs")
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private final List<Path> files;
        private Path positions;
        private Duration pollInterval;
        private boolean lengthDelimited;
        private Charset charset = StandardCharsets.UTF_8;
        private int maxRecordBytes = 1024 * 1024;
        private Duration commitInterval = Duration.ofSeconds(1);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private String name = "FileSource";
        private int bufferSize = 1_024;

        private Builder(List<Path> files) {
            this.files = files;
        }

        /**
         * Keeps, in this file, how far the pipeline has finished each file, and resumes there: its
         * directory must exist. Without it, every run reads the files from their start.
         *
         * @param file the positions file
         * @return this builder
         */
        public Builder positions(Path file) {
            this.positions = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Follows the files as they grow, like {@code tail -F}, looking for more every
         * {@code pollInterval} when none of them had any; the source then ends only when its
         * pipeline stops.
         *
         * @param pollInterval how long to wait at the end of every file before looking again
         * @return this builder
         * @throws IllegalArgumentException if pollInterval is not positive
         */
        public Builder follow(Duration pollInterval) {
            this.pollInterval = positive("pollInterval", pollInterval);
            return this;
        }

        /**
         * Reads records that are each a four-byte big-endian length and that many bytes, instead of
         * lines.
         *
         * @return this builder
         */
        public Builder lengthDelimited() {
            this.lengthDelimited = true;
            return this;
        }

        /**
         * What {@link FileRecord#text()} decodes with: UTF-8 unless given.
         *
         * @param charset the charset
         * @return this builder
         */
        public Builder charset(Charset charset) {
            this.charset = Objects.requireNonNull(charset, "charset");
            return this;
        }

        /**
         * The longest line or record, in bytes: a mebibyte unless given.
         *
         * @param bytes the limit
         * @return this builder
         * @throws IllegalArgumentException if bytes is not positive
         */
        public Builder maxRecordBytes(int bytes) {
            if (bytes <= 0 || bytes > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("maxRecordBytes must be positive and below 2 GiB: " + bytes);
            }
            this.maxRecordBytes = bytes;
            return this;
        }

        /**
         * How often the positions file is written while records finish: every second unless
         * given. What finished after the last write is read again after a crash.
         *
         * @param interval the interval
         * @return this builder
         * @throws IllegalArgumentException if interval is not positive
         */
        public Builder commitInterval(Duration interval) {
            this.commitInterval = positive("commitInterval", interval);
            return this;
        }

        /**
         * How long the source's end waits for the records in the pipeline to finish before it
         * writes the positions a last time: 30 seconds unless given.
         *
         * @param timeout the timeout
         * @return this builder
         */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Names the source, for its threads, metrics and messages.
         *
         * @param name the name
         * @return this builder
         */
        public Builder named(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * How many records the source buffers for each subscriber: 1 024 unless given.
         *
         * @param records the buffer size
         * @return this builder
         * @throws IllegalArgumentException if records is not positive
         */
        public Builder bufferSize(int records) {
            if (records <= 0) {
                throw new IllegalArgumentException("bufferSize must be positive: " + records);
            }
            this.bufferSize = records;
            return this;
        }

        /**
         * Builds the source.
         *
         * @return the source
         */
        public FileSource build() {
            return new FileSource(this);
        }

        static Duration positive(String what, Duration duration) {
            Objects.requireNonNull(duration, what);
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + duration);
            }
            return duration;
        }
    }
}
