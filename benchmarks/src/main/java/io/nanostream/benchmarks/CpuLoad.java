package io.nanostream.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How busy the machine's CPUs were over a span: the whole machine (the broker's JVM included) and
 * this JVM, sampled every 250 ms and averaged. What tells whether a run was bound by the CPU or by
 * something else (the calls' latency, the broker's answers).
 *
 * <pre>{@code
 * try (CpuLoad cpu = CpuLoad.start()) {
 *     pause(measured);
 *     System.out.println(cpu.summary()); // "CPU 97% (this JVM 61%)"
 * }
 * }</pre>
 */
final class CpuLoad implements AutoCloseable {

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(run -> {
        Thread thread = new Thread(run, "cpu-load");
        thread.setDaemon(true);
        return thread;
    });
    private double machine;
    private double process;
    private int samples;

    private CpuLoad() {
        sampler.scheduleAtFixedRate(this::sample, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** Starts sampling. */
    static CpuLoad start() {
        return new CpuLoad();
    }

    private synchronized void sample() {
        double machineNow = os.getCpuLoad();
        double processNow = os.getProcessCpuLoad();
        if (machineNow >= 0 && processNow >= 0) { // negative: not available yet
            machine += machineNow;
            process += processNow;
            samples++;
        }
    }

    /** The averages so far, as "CPU 97% (this JVM 61%)". */
    synchronized String summary() {
        if (samples == 0) {
            return "CPU not measured";
        }
        return String.format(Locale.ROOT, "CPU %.0f%% (this JVM %.0f%%)", 100 * machine / samples, 100 * process / samples);
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
