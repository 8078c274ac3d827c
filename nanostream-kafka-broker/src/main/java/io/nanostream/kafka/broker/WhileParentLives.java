package io.nanostream.kafka.broker;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;

/**
 * Runs a main class in a child JVM for as long as the JVM that started it lives: when the parent
 * exits, however it exits (returning from main, a signal, SIGKILL), the child's standard input
 * ends, and the child exits too, gracefully, running its shutdown hooks. A broker started for a
 * program so never outlives it. Arguments: the main class, then its arguments.
 */
final class WhileParentLives {

    private WhileParentLives() {
    }

    public static void main(String[] args) throws ReflectiveOperationException {
        Thread watch = new Thread(() -> {
            InputStream parent = System.in;
            try {
                while (parent.read() != -1) {
                    // nothing is ever written: the end of the input is the parent's end
                }
            } catch (IOException e) {
                // the pipe broke: the parent is gone just the same
            }
            System.exit(0);
        }, "while-parent-lives");
        watch.setDaemon(true);
        watch.start();
        try {
            Class.forName(args[0]).getMethod("main", String[].class).invoke(null,
                    (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(args[0] + " failed", e.getCause());
        }
    }
}
