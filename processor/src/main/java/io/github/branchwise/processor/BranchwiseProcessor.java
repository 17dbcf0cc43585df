package io.github.branchwise.processor;

import com.google.auto.service.AutoService;
import com.palantir.javapoet.JavaFile;
import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Experts;
import io.github.branchwise.annotations.Gate;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.Stitch;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.processor.base.Annotations;
import io.github.branchwise.processor.base.MissingTypes;
import io.github.branchwise.processor.base.TypeNames;
import io.github.branchwise.processor.model.ModelDescriptor;
import io.github.branchwise.processor.model.ModelReader;
import io.github.branchwise.processor.validation.GeneratedTypes;
import io.github.branchwise.processor.validation.Message;
import io.github.branchwise.processor.validation.ModelValidator;
import io.github.branchwise.processor.validation.ValidationReport;
import io.github.branchwise.processor.writing.ModelWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Messager;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.Processor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.ElementFilter;
import javax.tools.Diagnostic;

/**
 * The Branchwise annotation processor: for each {@code @WeightedLoss} class, validates it and generates its typed
 * prediction model, training model and records.
 *
 * <p>Pipeline, per model class: defer while its signatures refer to missing types; validate every rule into one
 * report and print it; when clean, read an immutable {@link ModelDescriptor} and write its files (one per name of
 * {@code ModelNames.SUFFIXES}), each with the model class as its only originating element (so Gradle can treat the
 * processor as isolating). A failure in one class, including a bug of the processor, is reported on that class and
 * never stops the others.
 */
@AutoService(Processor.class)
public final class BranchwiseProcessor extends AbstractProcessor {
    private static final List<Class<?>> ANNOTATIONS =
            List.of(WeightedLoss.class, Input.class, Branch.class, Shared.class, BranchLoss.class, Experts.class,
                    Gate.class, Stitch.class);

    /** Qualified names of models retried next round: names, not elements, since elements do not outlive a round. */
    private final Set<String> deferred = new TreeSet<>();
    /** Models already generated or rejected, so that none is processed twice. */
    private final Set<String> processed = new HashSet<>();
    /** Qualified names of the types the compilation's sources declare, for name clash checks. */
    private final Set<String> sourceTypes = new HashSet<>();
    /** Generated type to the model it was generated for, in this compilation. */
    private final Map<String, String> generated = new HashMap<>();

    /** A test seam: runs on each model before validation, so that tests can make the pipeline fail. */
    private final Consumer<TypeElement> beforeValidation;

    private Messager messager;
    private ModelValidator validator;
    private ModelReader reader;

    /** Created by the compiler through the service loader. */
    public BranchwiseProcessor() {
        this(type -> { });
    }

    /** For tests: {@code beforeValidation} runs on each model first, and may throw. */
    BranchwiseProcessor(Consumer<TypeElement> beforeValidation) {
        this.beforeValidation = beforeValidation;
    }

    @Override
    public synchronized void init(ProcessingEnvironment processingEnv) {
        super.init(processingEnv);
        messager = processingEnv.getMessager();
        validator = new ModelValidator(processingEnv, new Registry());
        reader = new ModelReader(processingEnv);
    }

    /**
     * The Branchwise annotations, and {@code @Generated}: the processor claims them all (see {@link #process}), so
     * that a build with {@code -Xlint:processing} does not warn that nobody claimed them. {@code @Generated} is on
     * every file we write, and no processor has any business processing it.
     */
    @Override
    public Set<String> getSupportedAnnotationTypes() {
        Set<String> names = new LinkedHashSet<>();
        ANNOTATIONS.forEach(a -> names.add(a.getCanonicalName()));
        names.add(TypeNames.GENERATED.canonicalName());
        return names;
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment roundEnv) {
        rememberSourceTypes(ElementFilter.typesIn(roundEnv.getRootElements()));
        if (roundEnv.processingOver()) {
            reportUnresolved();
            return true;
        }
        for (TypeElement model : candidates(roundEnv)) {
            process(model);
        }
        // Claimed: these annotations mean nothing to other processors, and an unclaimed annotation is a warning
        // under -Xlint:processing, which users compiling with -Xlint:all would see.
        return true;
    }

    /**
     * This round's classes with Branchwise annotations, and last round's deferred ones, each once, ordered by
     * name so that diagnostics come out in the same order whatever the compiler's element order.
     */
    private List<TypeElement> candidates(RoundEnvironment roundEnv) {
        Set<TypeElement> found = new LinkedHashSet<>();
        for (String name : deferred) {
            Optional.ofNullable(processingEnv.getElementUtils().getTypeElement(name)).ifPresent(found::add);
        }
        deferred.clear();
        for (Class<?> annotation : ANNOTATIONS) {
            TypeElement annotationType = processingEnv.getElementUtils().getTypeElement(annotation.getCanonicalName());
            if (annotationType == null) {
                continue;
            }
            for (Element element : roundEnv.getElementsAnnotatedWith(annotationType)) {
                if (element instanceof TypeElement type) {
                    found.add(type);
                } else if (element.getEnclosingElement() instanceof TypeElement type) {
                    found.add(type);
                }
            }
        }
        List<TypeElement> ordered = new ArrayList<>(found);
        ordered.removeIf(type -> processed.contains(type.getQualifiedName().toString()));
        ordered.sort(Comparator.comparing(type -> type.getQualifiedName().toString()));
        return ordered;
    }

    private void process(TypeElement type) {
        String name = type.getQualifiedName().toString();
        try {
            if (!MissingTypes.in(type).isEmpty()) {
                deferred.add(name);
                return;
            }
            processed.add(name);
            beforeValidation.accept(type);
            ValidationReport report = validator.validate(type);
            report.printTo(messager);
            if (!report.isClean()) {
                return;
            }
            ModelDescriptor model = reader.read(type);
            List<JavaFile> files = ModelWriter.files(model);
            for (JavaFile file : files) {
                generated.put(qualifiedName(file), name);
            }
            for (JavaFile file : files) {
                write(type, file);
            }
        } catch (RuntimeException | LinkageError | AssertionError e) {
            // A bug of ours must not crash javac (an IDE would show nothing useful): report it on the class.
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            messager.printMessage(Diagnostic.Kind.ERROR, Message.UNEXPECTED_ERROR.format(trace), type);
        }
    }

    private void write(TypeElement type, JavaFile file) {
        try {
            file.writeTo(processingEnv.getFiler());
        } catch (IOException e) {
            messager.printMessage(Diagnostic.Kind.ERROR,
                    Message.WRITE_FAILED.format(qualifiedName(file), e.getMessage()), type);
        }
    }

    private static String qualifiedName(JavaFile file) {
        return file.packageName().isEmpty()
                ? file.typeSpec().name()
                : file.packageName() + "." + file.typeSpec().name();
    }

    /** At the end of processing, the models still waiting for missing types. */
    private void reportUnresolved() {
        for (String name : deferred) {
            TypeElement type = processingEnv.getElementUtils().getTypeElement(name);
            if (type != null) {
                messager.printMessage(Diagnostic.Kind.ERROR, Message.UNRESOLVED_TYPES.format(
                        type.getSimpleName(), String.join(", ", MissingTypes.in(type))), type);
            }
        }
        deferred.clear();
    }

    private void rememberSourceTypes(Iterable<TypeElement> types) {
        for (TypeElement type : types) {
            if (!isGeneratedByUs(type)) {
                sourceTypes.add(type.getQualifiedName().toString());
            }
            rememberSourceTypes(ElementFilter.typesIn(type.getEnclosedElements()));
        }
    }

    /** Whether a source type carries our {@code @Generated}: written by us, in this build or an earlier one. */
    private static boolean isGeneratedByUs(TypeElement type) {
        return type.getAnnotationMirrors().stream()
                .filter(mirror -> ((TypeElement) mirror.getAnnotationType().asElement()).getQualifiedName()
                        .contentEquals(TypeNames.GENERATED.canonicalName()))
                .flatMap(mirror -> Annotations.explicitValue(mirror, "value").stream())
                .map(AnnotationValue::getValue)
                .anyMatch(value -> value instanceof List<?> list
                        ? list.stream().anyMatch(v -> String.valueOf(((AnnotationValue) v).getValue())
                                .equals(TypeNames.PROCESSOR))
                        : TypeNames.PROCESSOR.equals(value));
    }

    /** The validator's view of the types of this compilation. */
    private final class Registry implements GeneratedTypes {
        @Override
        public boolean isUserType(String qualifiedName) {
            // Class files are left out on purpose: those of our own earlier output, on the class path of an
            // incremental build, would otherwise clash with the files about to replace them.
            return sourceTypes.contains(qualifiedName) && !generated.containsKey(qualifiedName);
        }

        @Override
        public Optional<String> generatedFor(String qualifiedName) {
            return Optional.ofNullable(generated.get(qualifiedName));
        }
    }
}
