package io.nanostream.flow.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings a builder was given, each at most once: a second call fails at once, naming the
 * setting and the value it already has, instead of the last call silently winning. Not API; this
 * package is exported only to nanostream's own modules.
 */
public final class Settings {

    /** What each setting given was set to, as the message of a second call shows it. */
    private final Map<String, String> given = new HashMap<>();

    /**
     * Records a setting, and returns its value.
     *
     * @param setting the setting's name, as the builder's method is called
     * @param value its value
     * @param <V> the value's type
     * @return value
     * @throws NullPointerException if value is null
     * @throws IllegalStateException if the setting was already given
     */
    public <V> V once(String setting, V value) {
        Objects.requireNonNull(value, () -> setting + " must not be null");
        onceAs(setting, describe(value));
        return value;
    }

    /**
     * Records a setting made of several values, such as a count and a duration.
     *
     * @param setting the setting's name, as the builder's method is called
     * @param description its values, in words
     * @throws IllegalStateException if the setting was already given
     */
    public void onceAs(String setting, String description) {
        String before = given.putIfAbsent(setting, description);
        if (before != null) {
            throw new IllegalStateException(setting + " was already set to " + before + "; set it once");
        }
    }

    /**
     * Records that a setting was given as another that excludes it: a builder's {@code topics}
     * and {@code topicPattern}, say.
     *
     * @param setting the setting given
     * @param value its value
     * @param excluded the setting it excludes
     * @param <V> the value's type
     * @return value
     * @throws NullPointerException if value is null
     * @throws IllegalStateException if either setting was already given
     */
    public <V> V onceInsteadOf(String setting, V value, String excluded) {
        String other = given.get(excluded);
        if (other != null) {
            throw new IllegalStateException(excluded + " was already set to " + other + "; set "
                    + excluded + " or " + setting + ", not both");
        }
        return once(setting, value);
    }

    private static String describe(Object value) {
        if (value instanceof String) {
            return "'" + value + "'";
        }
        if (value instanceof Object[]) {
            return java.util.Arrays.toString((Object[]) value);
        }
        return String.valueOf(value);
    }
}
