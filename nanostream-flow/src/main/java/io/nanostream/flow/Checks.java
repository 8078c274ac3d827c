package io.nanostream.flow;

/**
 * Argument and state checks with messages that name the parameter and the value.
 */
final class Checks {

    private Checks() {
    }

    static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return value;
    }

    static java.time.Duration positive(java.time.Duration value, String name) {
        if (notNull(value, name).isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return value;
    }

    static <T> T notNull(T value, String name) {
        if (value == null) {
            throw new NullPointerException(name + " must not be null");
        }
        return value;
    }

    /** For checks off the hot path: the message is built whether or not the check fails. */
    static void state(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    /** Returns {@code toString()} of an item, cut to a readable length; never throws. */
    static String describe(Object item) {
        String text;
        try {
            text = String.valueOf(item);
        } catch (RuntimeException e) {
            text = item.getClass().getName() + " (toString failed: " + e + ")";
        }
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
