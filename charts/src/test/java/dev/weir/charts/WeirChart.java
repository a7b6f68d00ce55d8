package dev.weir.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** charts/weir rendered by Helm (helm-java, Helm's own code as a native library) as a release would be. */
final class WeirChart {
    static final Path DIR = Path.of(System.getProperty("basedir", ".")).resolve("weir");
    static final String RELEASE = "weir";
    static final String NAMESPACE = "weir-system";
    /** The Maven project's version, which the chart's appVersion and the images' tags follow. */
    static final String VERSION = System.getProperty("weir.version");

    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private WeirChart() {
    }

    /** Renders the templates with the values files in src/test/resources (none: the chart's defaults). */
    static Rendered render(String... valuesFiles) {
        return render(Map.of(), valuesFiles);
    }

    /** Renders with {@code --set key=value} for each entry over the values files. */
    static Rendered render(Map<String, Object> sets, String... valuesFiles) {
        TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE);
        for (String file : valuesFiles) {
            template.withValuesFile(valuesFile(file));
        }
        sets.forEach(template::set);
        return new Rendered(parse(template.call()));
    }

    /** A values file of src/test/resources. */
    static Path valuesFile(String name) {
        return Path.of(System.getProperty("basedir", "."), "src", "test", "resources", name);
    }

    static List<HasMetadata> parse(String manifests) {
        return Arrays.stream(DOCUMENT_SEPARATOR.split(manifests))
                .filter(document -> document.lines().anyMatch(line -> line.startsWith("kind:")))
                .map(document -> (HasMetadata) SERIALIZATION.unmarshal(document))
                .toList();
    }
}
