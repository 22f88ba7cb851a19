package dev.vantage.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vantage <command>}: the server, an agent, both at once ({@code up}), and engines run alone. */
@Command(name = "vantage", mixinStandardHelpOptions = true, version = "vantage 0.1.0",
        description = "Self-hosted network and application measurement with the ThousandEyes v6 Instant Tests API.",
        subcommands = {UpCommand.class, ServerCommand.class, AgentCommand.class, AgentTokenCommand.class,
                MeasureCommand.class, ResponderCommand.class, VoiceCommands.Receiver.class,
                dev.vantage.app.bench.BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** A mistake of the user's: printed as one line, exit code 2, no stack trace. */
    static final class UsageError extends RuntimeException {
        UsageError(String message) {
            super(message, null, false, false);
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UsageError) {
                commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                return 2;
            }
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + " failed: " + describe(e));
            return 1;
        });
        return cli;
    }

    /** The chain of causes as one line: what a user needs without a stack trace. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (!text.toString().contains(message)) {
                if (!text.isEmpty()) text.append(": ");
                text.append(message);
            }
        }
        return text.toString();
    }
}
