package io.github.branchwise.processor;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.annotation.processing.Processor;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.eclipse.jdt.core.compiler.batch.BatchCompiler;

/**
 * Compiles sources written to real folders, under javac or the Eclipse compiler, with the Branchwise processor.
 *
 * <p>Real folders because ecj cannot compile compile-testing's in-memory sources, nor read back the sources a
 * processor generated into its in-memory output (see STYLE.md); running javac the same way lets one test body
 * check both compilers, and lets tests look at what was generated even when the compilation failed.
 */
enum DiskCompiler {
    /** The JDK's compiler, in process. */
    JAVAC,
    /** The Eclipse compiler's batch compiler, in process. */
    ECJ;

    /**
     * One diagnostic.
     *
     * @param kind error or warning
     * @param file the source file relative to the source folder, with '/' separators, or empty when none
     * @param line the 1-based line, or -1
     * @param message the message text
     */
    record Diag(Diagnostic.Kind kind, String file, long line, String message) {
    }

    /**
     * The outcome of one compilation.
     *
     * @param success whether it compiled without errors
     * @param diagnostics every error and warning
     * @param generated the folder of generated sources
     * @param classes the folder of class files
     * @param log the compiler's own output, for failure messages
     */
    record Result(boolean success, List<Diag> diagnostics, Path generated, Path classes, String log) {
        /** The Branchwise diagnostics (those starting with a tag) of a kind. */
        List<Diag> tagged(Diagnostic.Kind kind) {
            return diagnostics.stream().filter(d -> d.kind() == kind && d.message().startsWith("[")).toList();
        }

        /** Whether the generated source of a type exists. */
        boolean generated(String qualifiedName) {
            return Files.exists(generated.resolve(qualifiedName.replace('.', '/') + ".java"));
        }

        /** The generated source of a type. */
        String generatedSource(String qualifiedName) {
            try {
                return Files.readString(generated.resolve(qualifiedName.replace('.', '/') + ".java"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Matches ecj's "1. ERROR in /path/File.java (at line 12)" headers. */
    private static final Pattern ECJ_HEADER =
            Pattern.compile("^\\d+\\. (ERROR|WARNING|INFO) in (.+?)(?: \\(at line (\\d+)\\))?$");

    /**
     * Compiles {@code sources} (path relative to the source folder to text) in a fresh folder under {@code dir},
     * with the Branchwise processor and, for the tests that need one, other processors first.
     */
    Result compile(Path dir, Map<String, String> sources, List<Class<? extends Processor>> otherProcessors) {
        try {
            Path src = Files.createDirectories(dir.resolve("src"));
            Path gen = Files.createDirectories(dir.resolve("gen"));
            Path out = Files.createDirectories(dir.resolve("out"));
            List<Path> files = write(src, sources);
            if (this == ECJ) {
                return ecj(src, gen, out, files, otherProcessors);
            }
            List<Processor> processors = new ArrayList<>();
            for (Class<? extends Processor> type : otherProcessors) {
                processors.add(type.getDeclaredConstructor().newInstance());
            }
            processors.add(new BranchwiseProcessor());
            return javac(src, gen, out, files, processors);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compiles under javac with exactly these processor instances, for tests that configure the processor. */
    static Result javacWith(Path dir, Map<String, String> sources, Processor... processors) {
        try {
            Path src = Files.createDirectories(dir.resolve("src"));
            Path gen = Files.createDirectories(dir.resolve("gen"));
            Path out = Files.createDirectories(dir.resolve("out"));
            return javac(src, gen, out, write(src, sources), List.of(processors));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> write(Path src, Map<String, String> sources) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = src.resolve(source.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue(), StandardCharsets.UTF_8);
            files.add(file);
        }
        return files;
    }

    /** {@link #compile(Path, Map, List)} with the Branchwise processor alone. */
    Result compile(Path dir, Map<String, String> sources) {
        return compile(dir, sources, List.of());
    }

    private static Result javac(Path src, Path gen, Path out, List<Path> files, List<Processor> processors)
            throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> collector = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        try (StandardJavaFileManager fileManager = compiler.getStandardFileManager(collector, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            JavaCompiler.CompilationTask task = compiler.getTask(log, fileManager, collector,
                    List.of("-Xlint:all", "-classpath", System.getProperty("java.class.path"),
                            "-s", gen.toString(), "-d", out.toString()),
                    null, fileManager.getJavaFileObjectsFromPaths(files));
            task.setProcessors(processors);
            boolean success = task.call();
            List<Diag> diagnostics = new ArrayList<>();
            for (Diagnostic<? extends JavaFileObject> d : collector.getDiagnostics()) {
                Diagnostic.Kind kind = d.getKind() == Diagnostic.Kind.MANDATORY_WARNING
                        ? Diagnostic.Kind.WARNING : d.getKind();
                String file = d.getSource() == null ? "" : relative(src, gen, Path.of(d.getSource().toUri()));
                diagnostics.add(new Diag(kind, file, d.getLineNumber(), d.getMessage(Locale.ROOT)));
                log.append(d.toString()).append('\n');
            }
            return new Result(success, diagnostics, gen, out, log.toString());
        }
    }

    private static Result ecj(Path src, Path gen, Path out, List<Path> files,
            List<Class<? extends Processor>> otherProcessors) {
        String classPath = System.getProperty("java.class.path");
        List<String> args = new ArrayList<>(List.of("-17", "-proceedOnError", "-encoding", "UTF-8",
                "-cp", classPath, "-processorpath", classPath, "-s", gen.toString(), "-d", out.toString()));
        if (!otherProcessors.isEmpty()) {
            List<String> names = new ArrayList<>();
            otherProcessors.forEach(p -> names.add(p.getName()));
            names.add(BranchwiseProcessor.class.getName());
            args.addAll(List.of("-processor", String.join(",", names)));
        }
        files.forEach(f -> args.add(f.toString()));
        StringWriter output = new StringWriter();
        StringWriter errors = new StringWriter();
        boolean success = BatchCompiler.compile(args.toArray(String[]::new), new PrintWriter(output),
                new PrintWriter(errors), null);
        String log = output + "\n" + errors;
        return new Result(success, parseEcj(log, src, gen), gen, out, log);
    }

    /**
     * Parses ecj's report: a header "N. KIND in FILE (at line L)", then for source positions the source line and
     * a caret line, then the message (possibly several lines), then a separator of dashes.
     */
    private static List<Diag> parseEcj(String log, Path src, Path gen) {
        List<Diag> diagnostics = new ArrayList<>();
        List<String> lines = log.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            Matcher header = ECJ_HEADER.matcher(lines.get(i));
            if (!header.matches()) {
                continue;
            }
            Diagnostic.Kind kind = switch (header.group(1)) {
                case "ERROR" -> Diagnostic.Kind.ERROR;
                case "WARNING" -> Diagnostic.Kind.WARNING;
                default -> Diagnostic.Kind.NOTE;
            };
            long line = header.group(3) == null ? -1 : Long.parseLong(header.group(3));
            int j = i + 1;
            if (line > 0) {
                j += 2;
            }
            StringBuilder message = new StringBuilder();
            for (; j < lines.size() && !lines.get(j).startsWith("----------"); j++) {
                message.append(message.length() == 0 ? "" : "\n").append(lines.get(j));
            }
            diagnostics.add(new Diag(kind, relative(src, gen, Path.of(header.group(2))), line,
                    message.toString()));
            i = j;
        }
        return diagnostics;
    }

    private static String relative(Path src, Path gen, Path file) {
        for (Path root : Stream.of(src, gen).toList()) {
            if (file.startsWith(root)) {
                return root.relativize(file).toString().replace('\\', '/');
            }
        }
        return file.toString();
    }
}
