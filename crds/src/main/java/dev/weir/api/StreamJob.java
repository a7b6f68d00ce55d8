package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import dev.weir.api.validation.SpecValidator;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.generator.annotation.ValidationRule;
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
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING, getDescription = "Whether the job runs and keeps up.")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE, getDescription = "Time since the job was created.")
@SchemaSwap(originalType = StreamJobStatus.class, fieldName = "conditions",
        targetType = StreamJobStatus.ConditionSchema[].class)
@ValidationRule(value = "self.metadata.name.size() <= " + SpecValidator.MAX_NAME_LENGTH
        + " && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
        message = "metadata.name names the job's StatefulSet and Service: at most 52 lower-case letters, digits and"
                + " '-', starting with a letter and ending with a letter or digit")
public class StreamJob extends CustomResource<StreamJobSpec, StreamJobStatus> implements Namespaced {
    public static final String GROUP = "weir.dev";
    public static final String VERSION = "v1alpha1";

    // Overridden only to describe spec and status in the CRD, for kubectl explain.
    @Override
    @JsonPropertyDescription("What the job reads, how it processes records, where it writes, and how it runs.")
    public StreamJobSpec getSpec() {
        return super.getSpec();
    }

    @Override
    @JsonPropertyDescription("What the operator observed of the job: phase, conditions, replicas, lag.")
    public StreamJobStatus getStatus() {
        return super.getStatus();
    }
}
