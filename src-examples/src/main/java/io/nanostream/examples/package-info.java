/** Runnable examples of nanostream pipelines; each has a test that runs it. */
package io.nanostream.examples;
