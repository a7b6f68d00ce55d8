package dev.weir.charts;

import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Objects;

/** The objects a chart rendered, looked up by kind, name and namespace. */
record Rendered(List<HasMetadata> objects) {

    <T extends HasMetadata> List<T> all(Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    <T extends HasMetadata> T one(Class<T> kind, String name, String namespace) {
        List<T> found = all(kind).stream()
                .filter(o -> name.equals(o.getMetadata().getName())
                        && Objects.equals(namespace, o.getMetadata().getNamespace()))
                .toList();
        if (found.size() != 1) {
            fail("expected one " + kind.getSimpleName() + " " + namespace + "/" + name + ", rendered: " + summary());
        }
        return found.get(0);
    }

    /** kind namespace/name of every object, for failure messages. */
    List<String> summary() {
        return objects.stream().map(o -> o.getKind() + " " + o.getMetadata().getNamespace() + "/"
                + o.getMetadata().getName()).toList();
    }
}
