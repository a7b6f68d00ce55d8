package dev.weir.charts;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The permissions docs/helm.md lists, one table row per API group and resource, as "group resource verb" lines
 * ("group resource/name verb" for a row limited to one object's name): the
 * chart must grant exactly these, so the rationale and the RBAC cannot drift apart. Sorted, for readable diffs.
 */
final class DocumentedRbac {
    static final String OPERATOR_TABLE = "rbac-operator";
    static final String LEADER_ELECTION_TABLE = "rbac-leader-election";

    private static final Path HELM_DOC = Path.of(System.getProperty("basedir", "."), "..", "docs", "helm.md");
    private static final String CORE_GROUP = "core";
    /** A row's resource cell limited to one object: {@code `leases` named `weir-operator`}. */
    private static final String NAMED = " named ";

    private DocumentedRbac() {
    }

    /** The rows between {@code <!-- table -->} and {@code <!-- /table -->} in docs/helm.md. */
    static Set<String> permissions(String table) {
        List<String> lines = lines();
        int start = lines.indexOf("<!-- " + table + " -->");
        int end = lines.indexOf("<!-- /" + table + " -->");
        if (start < 0 || end < start) {
            throw new IllegalStateException("docs/helm.md has no table between <!-- " + table + " --> and <!-- /"
                    + table + " -->");
        }
        return lines.subList(start + 1, end).stream()
                .filter(line -> line.startsWith("| `"))
                .flatMap(line -> {
                    String[] cells = line.split("\\|");
                    String group = unquote(cells[1]);
                    String[] resourceAndName = unquote(cells[2]).split(NAMED);
                    String resource = resourceAndName.length == 1 ? resourceAndName[0]
                            : resourceAndName[0] + "/" + resourceAndName[1];
                    return Arrays.stream(cells[3].split(","))
                            .map(verb -> permission(CORE_GROUP.equals(group) ? "" : group, resource, verb.trim()));
                })
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** What the rules grant, in the same form; a rule limited to names gives "resource/name" per name. */
    static Set<String> permissions(Collection<PolicyRule> rules) {
        return rules.stream()
                .flatMap(rule -> rule.getApiGroups().stream()
                        .flatMap(group -> resources(rule).stream()
                                .flatMap(resource -> rule.getVerbs().stream()
                                        .map(verb -> permission(group, resource, verb)))))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<String> resources(PolicyRule rule) {
        if (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()) {
            return rule.getResources();
        }
        return rule.getResources().stream()
                .flatMap(resource -> rule.getResourceNames().stream().map(name -> resource + "/" + name))
                .toList();
    }

    private static String permission(String group, String resource, String verb) {
        return (group.isEmpty() ? CORE_GROUP : group) + " " + resource + " " + verb;
    }

    private static String unquote(String cell) {
        return cell.trim().replace("`", "");
    }

    private static List<String> lines() {
        try {
            return Files.readAllLines(HELM_DOC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
