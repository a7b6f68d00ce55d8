package dev.weir.api;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A stream processing job: source → pipeline → sink, run by the Weir runtime. */
@Group(StreamJob.GROUP)
@Version(StreamJob.VERSION)
@Kind("StreamJob")
@Plural("streamjobs")
@ShortNames("sj")
public class StreamJob extends CustomResource<StreamJobSpec, StreamJobStatus> implements Namespaced {
    public static final String GROUP = "weir.dev";
    public static final String VERSION = "v1alpha1";
}
