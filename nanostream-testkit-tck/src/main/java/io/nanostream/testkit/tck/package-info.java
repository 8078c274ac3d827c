/**
 * Runs the <a href="https://github.com/reactive-streams/reactive-streams-jvm/tree/master/tck-flow">Reactive
 * Streams TCK</a> on your own nanostream sources, steps and sinks, as nanostream runs it on its
 * own: extend {@link io.nanostream.testkit.tck.SourceVerification},
 * {@link io.nanostream.testkit.tck.StepVerification} or
 * {@link io.nanostream.testkit.tck.SinkVerification}, and say how to make the node.
 *
 * <p>The verifications are TestNG classes, like the TCK itself. Add two test-scoped dependencies
 * beside the testkit: {@code org.reactivestreams:reactive-streams-tck-flow} and, to run them with
 * your JUnit tests on the JUnit Platform, {@code org.junit.support:testng-engine}. See
 * {@code docs/TCK.md} for what each verification checks and which rules the TCK skips.
 */
package io.nanostream.testkit.tck;
