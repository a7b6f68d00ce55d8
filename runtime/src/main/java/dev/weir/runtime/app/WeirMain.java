package dev.weir.runtime.app;

import dev.weir.api.InvalidJobException;
import dev.weir.api.JobFiles;
import dev.weir.api.StreamJob;
import dev.weir.runtime.local.KinesisLocalRun;
import dev.weir.runtime.local.LocalRun;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The runtime's command line. {@code run JOB --input FILE} runs a job locally on an embedded broker (or, with a
 * Kinesis source, on a local Kinesis-compatible server) without starting Quarkus; {@code run JOB} and {@code serve JOB} run it against the spec's brokers
 * as a pod does, inside Quarkus (health, metrics); {@code validate JOB} only checks the file; {@code explain JOB}
 * prints the job with the pipeline its SQL translates to.
 */
@QuarkusMain
public final class WeirMain {
    static final String USAGE = """
            usage: weir run JOB.yaml [--input FILE.jsonl] [--output FILE] [--dead-letter FILE] [--traces FILE]
                   weir validate JOB.yaml
                   weir explain JOB.yaml
                   weir serve JOB.yaml

              run        run the job; with --input, on an embedded Kafka broker (a Kinesis source: on
                         kinesis-local and moto, started for the run): each line of FILE is one source
                         record, the job runs to the end of the input and every window closes
              validate   check JOB.yaml and print what is wrong, without running anything
              explain    print JOB.yaml with the pipeline its spec.sql translates to, as YAML steps
              serve      run the job against the brokers in its spec until stopped (what a pod runs)

              --input FILE        JSON lines to replay into the source, in order (- for standard input)
              --output FILE       write sink records there, one JSON per line (default: stdout)
              --dead-letter FILE  write dead-letter records there, one JSON per line
              --traces FILE       write the job's spans there, one JSON per line (every record traced
                                  unless the job sets spec.tracing.sampleRatio)
            """;

    /** System property through which the job file reaches the Quarkus application. */
    static final String JOB_FILE_PROPERTY = "weir.job-file";

    private WeirMain() {}

    public static void main(String... args) {
        int code = execute(args, System.out, System.err);
        if (code != Integer.MIN_VALUE) {
            System.exit(code);
        }
    }

    /** @return the exit code, or {@link Integer#MIN_VALUE} when Quarkus has taken over (serve) */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        boolean quarkusBoots = args.length > 0 && (args[0].equals("serve")
                || (args[0].equals("run") && !List.of(args).contains("--input")));
        if (!quarkusBoots) {
            LocalLogging.install();
        }
        Command command;
        try {
            command = Command.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("weir: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (command == null) {
            out.print(USAGE);
            return 0;
        }
        StreamJob job;
        try {
            job = JobFiles.read(command.job());
        } catch (InvalidJobException e) {
            err.println(e.getMessage());
            return 2;
        }
        switch (command.verb()) {
            case "validate" -> {
                out.println(command.job() + ": valid");
                return 0;
            }
            case "explain" -> {
                out.print(Explain.of(job));
                return 0;
            }
            case "run" -> {
                if (command.input() != null) {
                    try {
                        return job.getSpec().source.kinesis != null
                                ? new KinesisLocalRun(job, command.input(), command.output(), command.deadLetter(),
                                        command.traces(), err).run()
                                : new LocalRun(job, command.input(), command.output(), command.deadLetter(),
                                        command.traces(), err).run();
                    } catch (Exception e) {
                        err.println("weir run: " + e);
                        return 1;
                    }
                }
            }
            default -> { }
        }
        System.setProperty(JOB_FILE_PROPERTY, command.job().toAbsolutePath().toString());
        PodSettings.apply(job);
        Quarkus.run(args);
        return Integer.MIN_VALUE;
    }

    record Command(String verb, Path job, Path input, Path output, Path deadLetter, Path traces) {
        static Command parse(String[] args) {
            if (args.length == 0 || List.of("-h", "--help", "help").contains(args[0])) {
                return null;
            }
            String verb = args[0];
            if (!List.of("run", "validate", "explain", "serve").contains(verb)) {
                throw new IllegalArgumentException("unknown command '" + verb + "'");
            }
            List<String> positional = new ArrayList<>();
            Path input = null;
            Path output = null;
            Path deadLetter = null;
            Path traces = null;
            for (int i = 1; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--input", "--output", "--dead-letter", "--traces" -> {
                        if (!verb.equals("run")) {
                            throw new IllegalArgumentException(a + " is only for 'weir run'");
                        }
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(a + " needs a file");
                        }
                        Path p = Path.of(args[++i]);
                        switch (a) {
                            case "--input" -> input = p;
                            case "--output" -> output = p;
                            case "--traces" -> traces = p;
                            default -> deadLetter = p;
                        }
                    }
                    default -> {
                        if (a.startsWith("-")) {
                            throw new IllegalArgumentException("unknown option '" + a + "'");
                        }
                        positional.add(a);
                    }
                }
            }
            if (positional.size() != 1) {
                throw new IllegalArgumentException(positional.isEmpty() ? "missing JOB.yaml"
                        : "one job file expected, got " + positional);
            }
            Path job = Path.of(positional.get(0));
            if (!Files.isRegularFile(job)) {
                throw new IllegalArgumentException("no such job file: " + job);
            }
            if (input == null && (output != null || deadLetter != null || traces != null)) {
                throw new IllegalArgumentException("--output, --dead-letter and --traces need --input");
            }
            if (input != null) {
                RunFiles.check(job, input, output, deadLetter, traces);
            }
            return new Command(verb, job, input, output, deadLetter, traces);
        }
    }
}
