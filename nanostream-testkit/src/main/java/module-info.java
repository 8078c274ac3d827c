/**
 * Deterministic test helpers for nanostream pipelines: in-memory sources and collecting sinks.
 */
module io.nanostream.testkit {
    requires transitive io.nanostream.flow;

    exports io.nanostream.testkit;
}
