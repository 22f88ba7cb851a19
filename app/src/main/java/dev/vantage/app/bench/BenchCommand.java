package dev.vantage.app.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code vantage bench <what>}: benchmarks that print a table (goals are measured here, not in timed tests). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks on loopback that print a table of figures.",
        subcommands = {BenchCommand.Dispatch.class, BenchCommand.Sip.class, BenchCommand.Dns.class, BenchCommand.Net.class})
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "dispatch", mixinStandardHelpOptions = true,
            description = {"POST -> agent starts the task, agent upload -> visible in the data endpoint (p50/p99),",
                    "and sustained POST /v6/instant throughput with limits lifted, on H2 and on PostgreSQL."})
    static final class Dispatch implements Callable<Integer> {
        @Option(names = "--samples", defaultValue = "200", description = "Timed instant tests per store (default ${DEFAULT-VALUE})")
        int samples;
        @Option(names = "--warmup", defaultValue = "300", description = "Untimed instant tests first, so the JIT has compiled the hot paths (default ${DEFAULT-VALUE})")
        int warmup;
        @Option(names = "--seconds", defaultValue = "10", description = "Length of the throughput run (default ${DEFAULT-VALUE})")
        int seconds;
        @Option(names = "--clients", defaultValue = "8", description = "Concurrent clients in the throughput run (default ${DEFAULT-VALUE})")
        int clients;
        @Option(names = "--pg-url", defaultValue = "jdbc:postgresql://127.0.0.1:5432/test", description = "PostgreSQL to use (default ${DEFAULT-VALUE})")
        String pgUrl;
        @Option(names = "--pg-user", defaultValue = "postgres")
        String pgUser;
        @Option(names = "--pg-password")
        String pgPassword;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (samples < 1 || warmup < 0 || seconds < 1 || clients < 1) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--samples, --seconds and --clients must be positive");
            }
            PrintWriter out = spec.commandLine().getOut();
            new DispatchBench(new DispatchBench.Options(samples, warmup, seconds, clients, pgUrl, pgUser, pgPassword), out).run();
            return 0;
        }
    }

    @Command(name = "sip", mixinStandardHelpOptions = true,
            description = "OPTIONS response times of the sip-server engine next to sipp's own (-trace_rtt) against the "
                    + "same sipp UAS on loopback, over UDP and TCP, with and without a pause before the answer.")
    static final class Sip implements Callable<Integer> {
        @Option(names = "--samples", defaultValue = "100", description = "OPTIONS per row and side (default ${DEFAULT-VALUE})")
        int samples;
        @Option(names = "--pause", defaultValue = "300", description = "The UAS's pause before answering in the second row of each transport, ms; 0 for none (default ${DEFAULT-VALUE})")
        int pause;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (samples < 1 || pause < 0) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--samples must be positive and --pause not negative");
            }
            new SipBench(new SipBench.Options(samples, pause), spec.commandLine().getOut()).run();
            return 0;
        }
    }

    @Command(name = "dns", mixinStandardHelpOptions = true,
            description = {"A real BIND named on 127.0.53.200: our dns-server resolution time next to dig's for the",
                    "same query, and the dns-server queries per second one agent sustains with N workers (needs root)."})
    static final class Dns implements Callable<Integer> {
        @Option(names = "--seconds", defaultValue = "5", description = "Length of each throughput row (default ${DEFAULT-VALUE})")
        int seconds;
        @Option(names = "--workers", defaultValue = "1,4,16,64", split = ",", description = "Concurrent workers per row (default ${DEFAULT-VALUE})")
        java.util.List<Integer> workers;
        @Option(names = "--samples", defaultValue = "50", description = "Queries each for the dig comparison (default ${DEFAULT-VALUE})")
        int samples;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (seconds < 1 || samples < 1 || workers.stream().anyMatch(w -> w < 1)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--seconds, --samples and --workers must be positive");
            }
            new DnsBench(new DnsBench.Options(seconds, workers, samples), spec.commandLine().getOut()).run();
            return 0;
        }
    }

    @Command(name = "net", mixinStandardHelpOptions = true,
            description = {"Concurrent agent-to-server rounds (default settings) in one agent process against a",
                    "loopback target: wall time, round time p50/max, loss, errors, and whether each level is sustained."})
    static final class Net implements Callable<Integer> {
        @Option(names = "--levels", defaultValue = "1,8,16,32,64,128", split = ",",
                description = "Concurrent rounds to try (default ${DEFAULT-VALUE})")
        int[] levels;
        @Option(names = "--round-limit", defaultValue = "10000",
                description = "A level is sustained when no round took longer, in ms (default ${DEFAULT-VALUE})")
        long roundLimit;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            new NetBench(new NetBench.Options(levels, roundLimit), spec.commandLine().getOut()).run();
            return 0;
        }
    }
}
