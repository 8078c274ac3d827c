/**
 * Files as a source and a sink for nanostream pipelines, at least once across crashes. Depends on
 * the core only.
 */
module io.nanostream.files {
    requires transitive io.nanostream.flow;

    exports io.nanostream.files;
}
