package io.nanostream.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a {@link FileSource} resumes in each file, kept in a small text file that is replaced
 * whole, atomically, and forced to disk: a crash leaves the last version or the one before, never
 * a mix. One line per file: the position, the file's identity (its inode where the file system
 * has one, so that a file replaced under the same name starts from its beginning) and its path,
 * separated by tabs.
 */
final class PositionsFile {

    /** Where a file was left: its identity when it was read, and the position after what was done. */
    record Position(String identity, long position) {
    }

    private final Path path;
    private final Map<String, Position> positions = new LinkedHashMap<>();

    private PositionsFile(Path path) {
        this.path = path;
    }

    /** Positions kept nowhere: every run reads from the start. */
    static PositionsFile none() {
        return new PositionsFile(null);
    }

    static PositionsFile load(Path path) throws IOException {
        PositionsFile file = new PositionsFile(path);
        if (!Files.exists(path)) {
            return file;
        }
        int number = 0;
        for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
            number++;
            String[] fields = line.split("\t", 3);
            try {
                if (fields.length != 3) {
                    throw new NumberFormatException("3 fields separated by tabs expected");
                }
                file.positions.put(fields[2], new Position(fields[1], Long.parseLong(fields[0])));
            } catch (NumberFormatException e) {
                throw new IOException("the positions file " + path + " is not one this source wrote: line " + number
                        + " (" + e.getMessage() + "): " + line + "; move it away to read every file from its start");
            }
        }
        return file;
    }

    Position get(Path file) {
        return positions.get(key(file));
    }

    void put(Path file, Position position) {
        positions.put(key(file), position);
    }

    /** Replaces the file on disk with what is here now: written to a new file, forced, moved over the old one. */
    void save() throws IOException {
        if (path == null) {
            return;
        }
        StringBuilder text = new StringBuilder();
        positions.forEach((file, at) -> text.append(at.position()).append('\t').append(at.identity()).append('\t')
                .append(file).append('\n'));
        Path directory = path.toAbsolutePath().getParent();
        Path next = directory.resolve(path.getFileName() + ".next");
        try (FileChannel channel = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        try {
            Files.move(next, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace the positions file " + path + " atomically on its file system;"
                    + " keep it on a local disk", e);
        }
        forceDirectory(directory);
    }

    /** Forces a directory's entries to disk, where the platform can (not on Windows), so that a rename lasts. */
    static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // a platform that cannot open a directory makes the rename durable on its own
        }
    }

    /** The file's identity on disk: its inode where the file system has one, else empty. */
    static String identity(Path file) throws IOException {
        try {
            Object key = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            return key == null ? "" : key.toString().replace('\t', ' ');
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    private static String key(Path file) {
        return file.toAbsolutePath().normalize().toString();
    }
}
