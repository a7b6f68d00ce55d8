package dev.weir.api.crd;

import dev.weir.api.StreamJob;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/** Generates the StreamJob CRD from the model with fabric8's crd-generator (API v2). */
final class CrdFile {
    static final String NAME = "streamjobs.weir.dev-v1.yml";
    static final Path COMMITTED = Path.of(System.getProperty("basedir", ".")).resolve(NAME);
    /** The Helm chart's copy, which Helm installs before the templates; it must be the same bytes. */
    static final Path IN_CHART = Path.of(System.getProperty("basedir", "."), "..", "charts", "weir", "crds", NAME)
            .normalize();
    static final String REGENERATE = "./mvnw -B -q -pl crds test -Dtest=CrdFileTest -Dweir.crd.regenerate=true";

    /** kubectl shows columns in this order; the generator sorts them by JSON path, which puts Age first. */
    private static final List<String> COLUMN_ORDER = List.of("Ready", "Phase", "Replicas", "Lag", "Lag (s)", "Age");

    private CrdFile() {
    }

    /** The CRD YAML the model generates now. */
    static String generate() {
        try {
            Path dir = Files.createTempDirectory("weir-crd");
            try {
                new CRDGenerator()
                        .customResourceClasses(StreamJob.class)
                        .forCRDVersions("v1")
                        .withPostProcessor(new OrderColumns())
                        .inOutputDir(dir.toFile())
                        .generate();
                return Files.readString(dir.resolve(NAME));
            } finally {
                try (var files = Files.list(dir)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class OrderColumns implements CRDPostProcessor {
        @Override
        public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
            for (CustomResourceDefinitionVersion version : ((CustomResourceDefinition) crd).getSpec().getVersions()) {
                for (CustomResourceColumnDefinition column : version.getAdditionalPrinterColumns()) {
                    if (!COLUMN_ORDER.contains(column.getName())) {
                        throw new IllegalStateException("printer column " + column.getName()
                                + " is missing from CrdFile.COLUMN_ORDER: add it where kubectl should show it");
                    }
                }
                version.getAdditionalPrinterColumns().sort(
                        Comparator.comparingInt(column -> COLUMN_ORDER.indexOf(column.getName())));
            }
            return crd;
        }
    }
}
