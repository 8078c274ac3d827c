/**
 * Files as a source and a sink, with the JDK only: {@link io.nanostream.files.FileSource} reads
 * lines or length-delimited records, follows growing files, and keeps how far the pipeline has
 * finished each in an atomically replaced positions file; {@link io.nanostream.files.FileSink}
 * writes lines or records, rolls its files by size and age, and acknowledges an item once it is
 * forced to disk.
 */
package io.nanostream.files;
