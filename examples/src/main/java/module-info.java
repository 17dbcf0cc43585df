/**
 * The examples, compiled as a named module that reads only the runtime's exported packages: the code the processor
 * generates for them (prediction and training models, records) must compile against the API, the SPI and
 * {@code internal} alone, so a generated type that reached into the engine would fail this build.
 */
module io.github.branchwise.examples {
    requires io.github.branchwise.runtime;
    // @javax.annotation.processing.Generated on every generated type lives in java.compiler; a source-retention
    // annotation, so the module needs it only to compile (as with Dagger or AutoValue in a named module).
    requires static java.compiler;
    // The recommender example draws its gates' weights itself (the runtime charts losses and loss weights only).
    requires org.knowm.xchart;
    requires java.desktop;
}
