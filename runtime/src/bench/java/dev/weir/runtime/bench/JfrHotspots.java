package dev.weir.runtime.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a run recorded with {@code -Dbench.jfr=DIR} spends its CPU, from the JFR execution samples (threads running
 * Java code; GC, JIT and native threads are not sampled): samples per thread (numbers in names folded), then for the
 * threads whose name matches a pattern the methods on top of the stack (self), anywhere on it (inclusive, once per
 * sample), and the innermost method of a package on it (by the code of that package that caused the work).
 *
 * <pre>java -cp runtime/target/test-classes dev.weir.runtime.bench.JfrHotspots RUN.jfr [THREAD-REGEX [PACKAGE [TOP]]]</pre>
 *
 * The pattern defaults to the stream threads, {@code .*-StreamThread-\d+}; the package to {@code dev.weir.}; TOP, how
 * many methods each list shows, to 30.
 */
public final class JfrHotspots {
    private JfrHotspots() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: JfrHotspots RUN.jfr [THREAD-REGEX [PACKAGE [TOP]]]");
            System.exit(2);
        }
        Pattern threads = Pattern.compile(args.length > 1 ? args[1] : ".*-StreamThread-\\d+");
        String pkg = args.length > 2 ? args[2] : "dev.weir.";
        int top = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> inclusive = new HashMap<>();
        Map<String, Integer> byPackage = new HashMap<>();
        int total = 0;
        int matching = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            total++;
            String thread = event.getThread("sampledThread").getJavaName();
            byThread.merge(thread == null ? "?" : thread.replaceAll("\\d+", "#"), 1, Integer::sum);
            if (thread == null || !threads.matcher(thread).matches()) {
                continue;
            }
            matching++;
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            if (!frames.isEmpty()) {
                self.merge(name(frames.get(0).getMethod()), 1, Integer::sum);
            }
            byPackage.merge(frames.stream().map(f -> name(f.getMethod())).filter(m -> m.startsWith(pkg)).findFirst()
                    .orElse("(no " + pkg + " frame)"), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame frame : frames) {
                String method = name(frame.getMethod());
                if (seen.add(method)) {
                    inclusive.merge(method, 1, Integer::sum);
                }
            }
        }
        System.out.printf("%d execution samples; by thread:%n", total);
        print(byThread, total, 15);
        System.out.printf("%nthreads matching %s: %d samples; self (top of stack):%n", threads, matching);
        print(self, matching, top);
        System.out.printf("%ninclusive (anywhere on the stack):%n");
        print(inclusive, matching, top);
        System.out.printf("%nby the innermost %s method on the stack:%n", pkg);
        print(byPackage, matching, top);
    }

    private static String name(RecordedMethod method) {
        return method.getType().getName() + "." + method.getName();
    }

    private static void print(Map<String, Integer> counts, int total, int top) {
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .forEach(e -> System.out.printf("  %5.1f%%  %6d  %s%n", 100.0 * e.getValue() / Math.max(1, total),
                        e.getValue(), e.getKey()));
    }
}
