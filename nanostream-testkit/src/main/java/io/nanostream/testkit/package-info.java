/**
 * Test helpers for nanostream pipelines: {@link io.nanostream.testkit.InMemorySource} feeds a
 * pipeline from a list or by hand, {@link io.nanostream.testkit.CollectingSink} records what
 * arrives and waits for it without sleeping.
 */
package io.nanostream.testkit;
