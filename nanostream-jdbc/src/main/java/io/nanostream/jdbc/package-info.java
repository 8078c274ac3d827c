/**
 * {@link io.nanostream.jdbc.JdbcSink} writes items to a database in batches, one transaction per
 * batch, and acknowledges them once the transaction has committed;
 * {@link io.nanostream.jdbc.JdbcSource} reads the rows of a table as they are added, and keeps how
 * far the pipeline has finished in the database, in the sink's transactions when the sink writes
 * to the same database.
 */
package io.nanostream.jdbc;
