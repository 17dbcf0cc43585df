package io.github.branchwise.processor.validation;

import java.util.ArrayList;
import java.util.List;
import javax.annotation.processing.Messager;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.tools.Diagnostic;

/**
 * The diagnostics of one model class, collected by validators that never throw and printed once.
 *
 * <p>Collecting first and printing once lets every broken rule of a class show in one compile, each on the
 * narrowest element: the annotation value when an attribute is wrong, the method when a signature is, the class
 * when a class-level rule is broken. Generation proceeds only when {@link #isClean()}.
 */
public final class ValidationReport {
    /**
     * One diagnostic.
     *
     * @param message the rule broken
     * @param text the printed text, tag included
     * @param element where it is reported
     * @param annotation the annotation at fault on {@code element}, or null
     * @param value the attribute value at fault in {@code annotation}, or null
     */
    public record Item(
            Message message, String text, Element element, AnnotationMirror annotation, AnnotationValue value) {
    }

    private final List<Item> items = new ArrayList<>();

    /** Reports {@code message} on an element. */
    public void report(Message message, Element element, Object... args) {
        add(message, element, null, null, args);
    }

    /** Reports {@code message} on an annotation of an element. */
    public void report(Message message, Element element, AnnotationMirror annotation, Object... args) {
        add(message, element, annotation, null, args);
    }

    /**
     * Reports {@code message} on one attribute value of an annotation; on the annotation when the value is null,
     * as it is for an attribute left at its default.
     */
    public void report(
            Message message, Element element, AnnotationMirror annotation, AnnotationValue value, Object... args) {
        add(message, element, annotation, value, args);
    }

    private void add(
            Message message, Element element, AnnotationMirror annotation, AnnotationValue value, Object[] args) {
        items.add(new Item(message, message.format(args), element, annotation, value));
    }

    /** Everything reported so far, in the order reported. */
    public List<Item> items() {
        return List.copyOf(items);
    }

    /** Whether no error (warnings allowed) was reported. */
    public boolean isClean() {
        return items.stream().noneMatch(item -> item.message().kind() == Diagnostic.Kind.ERROR);
    }

    /** Prints every item on its element. */
    public void printTo(Messager messager) {
        for (Item item : items) {
            Diagnostic.Kind kind = item.message().kind();
            if (item.annotation() == null) {
                messager.printMessage(kind, item.text(), item.element());
            } else if (item.value() == null) {
                messager.printMessage(kind, item.text(), item.element(), item.annotation());
            } else {
                messager.printMessage(kind, item.text(), item.element(), item.annotation(), item.value());
            }
        }
    }
}
