package dev.weir.e2e;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;

/**
 * Starts the suite's platform once for the whole run, before the first scenario, and closes it after the last (it
 * lives in the root context's store): {@code -Dweir.e2e.platform=local} (the default) or {@code kind}. A platform
 * that failed to start fails every scenario with the same cause, started once.
 */
final class SharedPlatform implements TestInstancePostProcessor {
    static final String PROPERTY = "weir.e2e.platform";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedPlatform.class);

    /** What the store keeps: the platform, or why it could not start. */
    private record Started(E2EPlatform platform, Exception failure) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            platform.close();
        }
    }

    @Override
    public void postProcessTestInstance(Object scenario, ExtensionContext context) {
        Started started = context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(Started.class, key -> start(), Started.class);
        if (started.failure() != null) {
            throw new IllegalStateException("the e2e platform did not start", started.failure());
        }
        ((PlatformScenario) scenario).platform = started.platform();
    }

    private static Started start() {
        String kind = System.getProperty(PROPERTY, "local");
        E2EPlatform platform = switch (kind) {
            case "local" -> new LocalPlatform();
            case "kind" -> new KindPlatform();
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + kind + ": local or kind");
        };
        try {
            platform.start();
            return new Started(platform, null);
        } catch (Exception e) {
            return new Started(platform, e);
        }
    }
}
