package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the operator last read from a job's checkpoint store. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointsStatus {
    @JsonPropertyDescription("The store listed: spec.checkpoints.location or the operator's default, followed by the"
            + " job's folder.")
    public String location;

    @JsonPropertyDescription("When the operator last listed the store (RFC 3339), successfully or not.")
    public String listedAt;

    @JsonPropertyDescription("Why the last listing failed; absent when it succeeded.")
    public String error;

    @JsonPropertyDescription("The newest periodic checkpoint of any task.")
    public StoredCheckpoint latest;

    @JsonPropertyDescription("The newest savepoints (one per task and occasion), newest first, at most 10.")
    public List<StoredCheckpoint> savepoints = new ArrayList<>();

    @JsonPropertyDescription("The last on-demand savepoint request (annotation weir.dev/savepoint-request).")
    public SavepointRequest savepointRequest;

    /** One checkpoint or savepoint of one task. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class StoredCheckpoint {
        @JsonPropertyDescription("The checkpoint's id in the store.")
        public String id;

        @JsonPropertyDescription("The Kafka Streams task whose state it holds, e.g. 0_1.")
        public String taskId;

        @JsonPropertyDescription("When it was written (RFC 3339).")
        public String time;

        @JsonPropertyDescription("Its folder in the store.")
        public String location;

        @JsonPropertyDescription("Bytes of state it holds, files shared with other checkpoints included.")
        public Long sizeBytes;
    }

    /** A savepoint asked for with the annotation, and the savepoint that answered it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class SavepointRequest {
        @JsonPropertyDescription("The annotation's value.")
        public String nonce;

        @JsonPropertyDescription("When the operator saw the request and passed it to the pods (RFC 3339).")
        public String requestedAt;

        @JsonPropertyDescription("Pending until a savepoint written after the request is listed, then Done.")
        public String state;

        @JsonPropertyDescription("The first savepoint listed that was written after the request; absent while"
                + " pending.")
        public String savepointId;
    }
}
