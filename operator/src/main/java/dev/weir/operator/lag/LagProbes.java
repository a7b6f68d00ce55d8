package dev.weir.operator.lag;

import dev.weir.api.StreamJob;
import java.util.List;

/** One probe per source kind behind the one interface: a job is read by the first probe that reads its source. */
public final class LagProbes implements LagProbe {
    private final List<LagProbe> probes;

    public LagProbes(List<LagProbe> probes) {
        this.probes = List.copyOf(probes);
    }

    @Override
    public boolean reads(StreamJob job) {
        return probes.stream().anyMatch(probe -> probe.reads(job));
    }

    @Override
    public LagReading read(StreamJob job) {
        return probes.stream().filter(probe -> probe.reads(job)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no lag probe reads the source of "
                        + job.getMetadata().getName()))
                .read(job);
    }

    @Override
    public void forget(StreamJob job) {
        probes.stream().filter(probe -> probe.reads(job)).forEach(probe -> probe.forget(job));
    }

    @Override
    public void close() {
        probes.forEach(LagProbe::close);
    }
}
