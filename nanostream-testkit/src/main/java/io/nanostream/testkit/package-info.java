/**
 * Test helpers for nanostream pipelines: {@link io.nanostream.testkit.InMemorySource} feeds a
 * pipeline from a list or by hand, {@link io.nanostream.testkit.CollectingSink} records what
 * arrives and waits for it without sleeping, {@link io.nanostream.testkit.VirtualTime} runs a
 * pipeline's clock by hand, and {@link io.nanostream.testkit.ChildJvm} runs a pipeline in a JVM
 * of its own for a crash test to kill.
 */
package io.nanostream.testkit;
