package io.nanostream.flow;

/**
 * Why a pipeline failed: the first exception thrown by a node's code, or the first error a node
 * received from outside nanostream. The message names the node and, where there was one, the
 * item; the cause is the original exception.
 *
 * <pre>{@code
 * try (Pipeline pipeline = Pipeline.from(source)) {
 *     pipeline.start();
 *     pipeline.await(Duration.ofMinutes(1));
 * } catch (PipelineException e) {
 *     log.error("pipeline failed in " + e.nodeName(), e);
 * }
 * }</pre>
 */
public class PipelineException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The name of the node that failed. */
    private final String nodeName;

    PipelineException(String nodeName, String message, Throwable cause) {
        super(message, cause);
        this.nodeName = nodeName;
    }

    /**
     * Returns the name of the source, step or sink that failed.
     *
     * @return the failed node's name
     */
    public String nodeName() {
        return nodeName;
    }
}
