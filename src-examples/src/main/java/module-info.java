/** Runnable examples of nanostream pipelines. */
module io.nanostream.examples {
    requires io.nanostream.flow;
    requires io.nanostream.testkit;
}
