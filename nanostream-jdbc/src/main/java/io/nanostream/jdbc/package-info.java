/**
 * {@link io.nanostream.jdbc.JdbcSink} writes items to a database in batches, one transaction per
 * batch, and acknowledges them once the transaction has committed.
 */
package io.nanostream.jdbc;
