/**
 * Small-scale streaming pipelines on {@link java.util.concurrent.Flow}: write each step as an
 * {@link io.nanostream.flow.AbstractStep}, feed it from an {@link io.nanostream.flow.AbstractSource},
 * end it in an {@link io.nanostream.flow.AbstractSink}, and run the graph in a
 * {@link io.nanostream.flow.Pipeline}.
 */
package io.nanostream.flow;
