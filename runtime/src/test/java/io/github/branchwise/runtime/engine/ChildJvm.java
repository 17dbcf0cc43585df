package io.github.branchwise.runtime.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a test main class in a child JVM on the test class path, so that a native crash (SIGSEGV in libnd4jcpu) or
 * a kill ends the child, not the JVM running the tests. Standard out and error go to a log file.
 */
final class ChildJvm {
    private final Process process;
    private final Path log;

    private ChildJvm(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code mainClass} with {@code args}; its output goes to {@code log}. */
    static ChildJvm start(Class<?> mainClass, Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Xmx1g");
        // Quicker start-up; the children do little work. No core dumps from crash cases.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:-CreateCoredumpOnCrash");
        command.add("-XX:ErrorFile=" + log.resolveSibling(log.getFileName() + ".hs_err_%p.log"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putIfAbsent("OMP_NUM_THREADS", "1");
        return new ChildJvm(builder.start(), log);
    }

    Process process() {
        return process;
    }

    /** Waits up to {@code seconds}; kills the child when it takes longer and returns -1. */
    int waitFor(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return -1;
        }
        return process.exitValue();
    }

    /** The child's output so far. */
    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    /** The last {@code chars} characters of the child's output, for failure messages. */
    String outputTail(int chars) throws IOException {
        String out = output();
        return out.length() <= chars ? out : "..." + out.substring(out.length() - chars);
    }
}
