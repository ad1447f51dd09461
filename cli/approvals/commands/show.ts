/** `approvals show <version>`: everything an approver needs to decide. */
import { formatAge, printJson, renderFields, type CommonOptions, type Deps } from "../context";
import { EXIT } from "../errors";
import { livePackageArns } from "../live";
import { formatNumber, metricsSources } from "../metrics";
import { describePackage, registrarOf, shortName } from "../packages";
import { inspectPins, pinReportJson, pinTable, renderPinReport, type PinReport } from "../pins";
import { stageLedgerTable, stageSetup, type StageSetup } from "../stages";
import { otherMetadata, renderStageHistory, stageView, type StageView } from "../stageView";
import { callerIdentity, resolveTarget, type Target } from "../target";
import { liveJson, liveSummaryIfVisible, withMetrics, describeLive } from "./pending";

export interface ShowOptions extends CommonOptions {
    readonly ledgerTable?: string;
    readonly stages?: string;
}

/**
 * With stages: where registration pinned the bytes. An environment stack reads its own ledger (every environment
 * pins every version); a registry stack the ledger of the stage the version awaits (or is at).
 */
function stagePinTable(options: ShowOptions, setup: StageSetup, stages: StageView, target: Target, caller: { account?: string }): string | undefined {
    const layout = setup.env?.config.layout;
    const stage = layout?.kind === "environment" ? layout.stage : stages.next?.stage ?? stages.lifecycle?.Stage ?? setup.order[0];
    return options.ledgerTable ?? stageLedgerTable(setup, stage, caller, target.region, /^arn:(aws[a-z-]*):/.exec(target.arn)?.[1]);
}

const NO_PIN_TABLE = "not checked: no ledger to read the pins from (pass --env <env> or --ledger-table <name>)";

export async function runShow(input: string, options: ShowOptions, deps: Deps): Promise<number> {
    const { io } = deps;
    const target = await resolveTarget(input, options, deps, false);
    const { scope } = target;
    const setup = stageSetup(scope.env, options.stages);
    // With stages, the pins are read from the ledger of the stage the version awaits, which needs the caller's account.
    const caller = setup ? target.caller ?? await callerIdentity(scope, target.region) : undefined;
    const description = await describePackage(scope.clients.sagemaker, target.arn, { region: target.region, endpointUrl: scope.endpointUrl });
    const stages = stageView(description, setup);
    const table = setup ? stagePinTable(options, setup, stages, target, caller ?? {}) : pinTable(options, scope, description.ModelPackageGroupName, deps);
    const [version, live, pins] = await Promise.all([
        withMetrics(scope, description),
        liveSummaryIfVisible(scope),
        table ? inspectPins(scope, table, description, target.region) : Promise.resolve<PinReport | undefined>(undefined),
    ]);
    const isLive = livePackageArns(live.endpoint).some((a) => a.toLowerCase() === (description.ModelPackageArn ?? "").toLowerCase());
    const now = io.now();
    const name = shortName(description);

    if (options.json) {
        printJson(io, {
            ...description,
            environment: scope.env?.name,
            metrics: version.metrics.values,
            metricsReport: version.metrics.s3Uri,
            metricsError: version.metrics.error,
            gate: version.gate,
            isLive,
            live: liveJson(live, now),
            pins: pins ? pinReportJson(pins) : { state: "not-checked", summary: NO_PIN_TABLE },
            stage: stages,
        });
        return EXIT.ok;
    }

    const d = description;
    const containers = d.InferenceSpecification?.Containers ?? [];
    const spec = d.InferenceSpecification;
    const meta = d.MetadataProperties;
    const otherReports = metricsSources(d).map(([k, s]) => `${k}: ${s.S3Uri}`);
    const customer = otherMetadata(d.CustomerMetadataProperties).map(([k, v]) => `${k}=${v}`);
    const validation = [...(d.ModelPackageStatusDetails?.ValidationStatuses ?? []), ...(d.ModelPackageStatusDetails?.ImageScanStatuses ?? [])]
        .map((s) => `${s.Status}${s.FailureReason ? ` (${s.FailureReason})` : ""}`);
    const metrics = Object.keys(version.metrics.values).length
        ? Object.keys(version.metrics.values).sort().map((k) => `${k} = ${formatNumber(version.metrics.values[k])}`).join("\n") + `\n(from ${version.metrics.s3Uri})`
        : `unavailable: ${version.metrics.error}`;
    io.out(`${name}  ${d.ModelApprovalStatus ?? "unknown"}${isLive ? "  [LIVE]" : ""}\n`);
    io.out(renderFields([
        ["ARN", d.ModelPackageArn],
        ["Approval status", d.ModelApprovalStatus],
        ["Approval comment", d.ApprovalDescription],
        // All-in-one versions have no lifecycle: their show stays as it was.
        ["Stage", setup || stages.lifecycle ? `${stages.current}${stages.next ? ` (${stages.next.why})` : ""}` : undefined],
        ["Stage history", renderStageHistory(stages.history) ?? (setup || stages.lifecycle ? "none recorded" : undefined)],
        ["Package status", `${d.ModelPackageStatus ?? "unknown"}${validation.length ? ` (validation: ${[...new Set(validation)].join(", ")})` : ""}`],
        ["Registered", d.CreationTime ? `${d.CreationTime.toISOString()} (${formatAge(d.CreationTime, now)} ago)` : undefined],
        ["Registered by", registrarOf(d)],
        ["Last modified", d.LastModifiedTime ? `${d.LastModifiedTime.toISOString()} by ${d.LastModifiedBy?.IamIdentity?.Arn ?? d.LastModifiedBy?.UserProfileName ?? "unknown"}` : undefined],
        ["Description", d.ModelPackageDescription],
        ["Pipeline execution", meta?.GeneratedBy],
        ["Source", meta?.Repository || meta?.CommitId ? `${meta?.Repository ?? "?"}${meta?.CommitId ? ` @ ${meta.CommitId}` : ""}` : undefined],
        ["Project", meta?.ProjectId],
        ["Image", containers.map((c) => c.Image ?? "?").join("\n") || undefined],
        ["Model data", containers.map((c) => c.ModelDataUrl ?? "-").join("\n") || undefined],
        ["Realtime instances", spec?.SupportedRealtimeInferenceInstanceTypes?.join(", ")],
        ["Content types", spec?.SupportedContentTypes?.length ? `${spec.SupportedContentTypes.join(", ")} -> ${spec.SupportedResponseMIMETypes?.join(", ") ?? "?"}` : undefined],
        ["Metrics", metrics],
        ["Gate", version.gate ? `${version.gate.text} (${scope.env!.name} stack config)` : "(pass --env to check the stack's metric gate)"],
        ["Reports", otherReports.join("\n") || undefined],
        ["Customer metadata", customer.join(", ") || undefined],
        ["Live", `${describeLive(live)}${isLive ? "  <- this version" : ""}`],
    ]));
    io.out(`\n${pins ? renderPinReport(pins) : `What you approve: ${NO_PIN_TABLE}`}`);
    if (setup) {
        if (stages.next?.stage && d.ModelApprovalStatus !== "Rejected") {
            io.out(`\nDecide: approvals approve ${name} --stage ${stages.next.stage} --comment "…"   |   approvals reject ${name} --stage ${stages.next.stage} --comment "…"`);
        }
    } else if (d.ModelApprovalStatus === "PendingManualApproval") {
        io.out(`\nDecide: approvals approve ${name} --comment "…"   |   approvals reject ${name} --comment "…"`);
    }
    return EXIT.ok;
}
