package dev.weir.operator;

import dev.weir.api.CheckpointsStatus;
import dev.weir.api.StreamJob;
import dev.weir.api.StreamJobStatus;
import dev.weir.api.validation.SpecValidator;
import dev.weir.api.validation.ValidationError;
import dev.weir.operator.checkpoints.CheckpointListings;
import dev.weir.operator.checkpoints.CheckpointStatuses;
import dev.weir.operator.checkpoints.SavepointFinalizer;
import dev.weir.operator.cleanup.KinesisLeftovers;
import dev.weir.operator.config.OperatorConfig;
import dev.weir.operator.dependents.JobConfigMap;
import dev.weir.operator.dependents.MetricsService;
import dev.weir.operator.dependents.RuntimeStatefulSet;
import dev.weir.operator.dependents.Workload;
import dev.weir.operator.observe.Autoscaling;
import dev.weir.operator.observe.JobObserver;
import dev.weir.operator.observe.Observation;
import dev.weir.operator.observe.WorkloadObservation;
import dev.weir.operator.status.JobEvents;
import dev.weir.operator.status.JobStatusBuilder;
import dev.weir.operator.status.JobStatuses;
import dev.weir.operator.status.StatusMetrics;
import dev.weir.operator.status.StatusUpdate;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.util.List;

/**
 * StreamJob → runtime workload, in phases: validate the spec; observe the job once ({@link JobObserver}: its
 * StatefulSet and pods, its lag, its checkpoint store); plan the workload from that ({@link Workload}); apply the
 * ConfigMap, StatefulSet and Service; report the status ({@link JobStatusBuilder}). The workflow is invoked explicitly
 * so that an invalid spec gets no workload.
 */
// not generation-aware: the runtime-image annotation changes metadata only, and must still reach the pods
@ControllerConfiguration(name = StreamJobReconciler.NAME, generationAwareEventProcessing = false,
        finalizerName = SavepointFinalizer.NAME)
@Workflow(explicitInvocation = true, dependents = {
        @Dependent(type = JobConfigMap.class),
        @Dependent(type = RuntimeStatefulSet.class),
        @Dependent(type = MetricsService.class)})
public class StreamJobReconciler implements Reconciler<StreamJob>, Cleaner<StreamJob> {
    static final String NAME = "streamjob";
    /** The event recorded at each change of the pod count by the autoscaler. */
    public static final String SCALING_EVENT = "Scaling";

    private final OperatorConfig config;
    private final JobObserver observer;
    private final SavepointFinalizer finalizer;
    private final Autoscaling autoscaling;
    private final ReconcileTracing tracing;
    private final StatusMetrics statusMetrics;

    public StreamJobReconciler(OperatorConfig config, Autoscaling autoscaling, KinesisLeftovers leftovers,
                               ReconcileTracing tracing, StatusMetrics statusMetrics) {
        this.config = config;
        this.autoscaling = autoscaling;
        this.tracing = tracing;
        this.statusMetrics = statusMetrics;
        CheckpointListings listings = new CheckpointListings(config.runtimeDefaults(), Clock.systemUTC());
        this.observer = new JobObserver(autoscaling, listings, Clock.systemUTC());
        this.finalizer = new SavepointFinalizer(listings, leftovers, Clock.systemUTC());
    }

    @Override
    public List<EventSource<?, StreamJob>> prepareEventSources(EventSourceContext<StreamJob> context) {
        return List.of(WorkloadObservation.runtimePods(context));
    }

    @Override
    public UpdateControl<StreamJob> reconcile(StreamJob job, Context<StreamJob> context) {
        return tracing.reconcile(job, () -> reconcileJob(job, context));
    }

    private UpdateControl<StreamJob> reconcileJob(StreamJob job, Context<StreamJob> context) {
        List<ValidationError> errors = SpecValidator.validateForCluster(job);
        ReconcileTracing.validated(errors.size());
        if (!errors.isEmpty()) {
            return report(job, JobStatuses.invalid(job, errors, WorkloadObservation.of(context)), context);
        }
        Observation observed = observer.observe(job, context);
        CheckpointsStatus.SavepointRequest request = CheckpointStatuses.request(job, observed.listing(), observed.at());
        // the ConfigMap holds the nonce only while the request is pending, for pods that start in the meantime
        Workload workload = Workload.plan(job, config, observed)
                .withSavepointRequest(CheckpointStatuses.pendingNonce(request));
        workload.putInto(context);
        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        Observation applied = observed.afterApply(RuntimeStatefulSet.applied(context));
        StreamJobStatus next = new JobStatusBuilder(job, workload, applied, request).build();
        statusMetrics.record(job, next, applied.workload());
        recordScaling(job, observed, context);
        boolean awaitingSavepoint = CheckpointStatuses.pendingNonce(request).isPresent();
        return report(job, next, context).rescheduleAfter(observer.nextObservation(job, observed, awaitingSavepoint));
    }

    /** A fresh decision of the autoscaler goes into the reconcile's trace, and a Scaling event when it moves pods. */
    private static void recordScaling(StreamJob job, Observation observed, Context<StreamJob> context) {
        int current = observed.currentReplicas();
        observed.poll().filter(Autoscaling.Poll::fresh).flatMap(Autoscaling.Poll::decision).ifPresent(decision -> {
            ReconcileTracing.scalingDecided(decision, current);
            if (decision.replicas() != current) {
                JobEvents.record(context.getClient(), job, JobEvents.NORMAL, SCALING_EVENT, decision.message());
            }
        });
    }

    @Override
    public DeleteControl cleanup(StreamJob job, Context<StreamJob> context) {
        DeleteControl control = finalizer.cleanup(job, context);
        if (control.isRemoveFinalizer()) {
            autoscaling.forget(job);
        }
        return control;
    }

    @Override
    public ErrorStatusUpdateControl<StreamJob> updateErrorStatus(StreamJob job, Context<StreamJob> context,
                                                                 Exception error) {
        StreamJobStatus next = JobStatuses.failed(job, error, WorkloadObservation.of(context));
        if (!StatusUpdate.changes(job.getStatus(), next)) {
            return ErrorStatusUpdateControl.noStatusUpdate();
        }
        JobEvents.recordTransition(context.getClient(), job, job.getStatus(), next);
        return ErrorStatusUpdateControl.patchStatus(StatusUpdate.statusOnly(job, next));
    }

    private static UpdateControl<StreamJob> report(StreamJob job, StreamJobStatus next, Context<StreamJob> context) {
        if (!StatusUpdate.changes(job.getStatus(), next)) {
            return UpdateControl.noUpdate();
        }
        JobEvents.recordTransition(context.getClient(), job, job.getStatus(), next);
        return UpdateControl.patchStatus(StatusUpdate.statusOnly(job, next));
    }
}
