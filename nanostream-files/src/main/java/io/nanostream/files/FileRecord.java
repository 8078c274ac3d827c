package io.nanostream.files;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A line, or a length-delimited record, that a {@link FileSource} read: where it was, and its
 * bytes, without the line's end ({@code \n} or {@code \r\n}) or the record's length prefix.
 *
 * <pre>{@code
 * FileRecord line = new FileRecord(Path.of("orders.csv"), 0, "1,alice,12.50".getBytes(UTF_8), UTF_8);
 * String[] fields = line.text().split(",");
 * }</pre>
 */
public final class FileRecord {

    private final Path file;
    private final long offset;
    private final byte[] bytes;
    private final Charset charset;

    /**
     * A record as a source reads it.
     *
     * @param file the file it was read from
     * @param offset where in the file it starts, in bytes
     * @param bytes its bytes, which the record keeps (not copied)
     * @param charset what {@link #text()} decodes with
     * @throws NullPointerException if file, bytes or charset is null
     */
    public FileRecord(Path file, long offset, byte[] bytes, Charset charset) {
        this.file = Objects.requireNonNull(file, "file");
        this.offset = offset;
        this.bytes = Objects.requireNonNull(bytes, "bytes");
        this.charset = Objects.requireNonNull(charset, "charset");
    }

    /**
     * The file the record was read from, as the source was given it.
     *
     * @return the file
     */
    public Path file() {
        return file;
    }

    /**
     * Where the record starts in its file, in bytes.
     *
     * @return the offset
     */
    public long offset() {
        return offset;
    }

    /**
     * The record's bytes (the array itself: do not change it).
     *
     * @return the bytes
     */
    public byte[] bytes() {
        return bytes;
    }

    /**
     * The record decoded with the source's charset (UTF-8 unless given).
     *
     * @return the text
     */
    public String text() {
        return new String(bytes, charset);
    }

    @Override
    public String toString() {
        return file + "@" + offset + ": " + (bytes.length > 200 ? new String(bytes, 0, 200, charset) + "..." : text());
    }
}
