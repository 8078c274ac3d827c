package io.nanostream.flow;

/**
 * An item that a step or sink could not handle, with why: what an
 * {@linkplain ErrorPolicy#deadLetter dead-letter} policy sends to its subscriber.
 *
 * <pre>{@code
 * var deadLetters = new CollectingSink<DeadLetter>();
 * var parse = Steps.map(Integer::parseInt).withErrorPolicy(ErrorPolicy.deadLetter(deadLetters));
 * // ... "x" fails to parse ...
 * DeadLetter letter = deadLetters.items().get(0);
 * assert letter.item().equals("x") && letter.errorClass().equals("java.lang.NumberFormatException");
 * }</pre>
 *
 * @param step the name of the step or sink that failed
 * @param item the item it failed on
 * @param error what it threw, on the last attempt
 * @param attempts how many times it was called for the item
 */
public record DeadLetter(String step, Object item, Throwable error, int attempts) {

    /**
     * Creates a dead letter.
     *
     * @param step the name of the step or sink that failed
     * @param item the item it failed on
     * @param error what it threw, on the last attempt
     * @param attempts how many times it was called for the item
     * @throws NullPointerException if step, item or error is null
     */
    public DeadLetter {
        Checks.notNull(step, "step");
        Checks.notNull(item, "item");
        Checks.notNull(error, "error");
    }

    /**
     * Returns the class name of the error.
     *
     * @return the fully qualified class name of {@link #error()}
     */
    public String errorClass() {
        return error.getClass().getName();
    }

    /**
     * Returns the message of the error, or an empty string if it has none.
     *
     * @return the error's message
     */
    public String errorMessage() {
        String message = error.getMessage();
        return message != null ? message : "";
    }

    @Override
    public String toString() {
        return "DeadLetter[step=" + step + ", item=" + Checks.describe(item) + ", error=" + error + ", attempts="
                + attempts + "]";
    }
}
