/** `approvals pending`: the versions awaiting approval, their metrics, next to what is live. */
import { formatAge, mapLimit, printJson, renderTable, resolveScope, type CommonOptions, type Deps, type Scope } from "../context";
import { CliError, EXIT } from "../errors";
import { describeLiveEndpoint, livePackageArns, type LiveEndpoint } from "../live";
import { describeGate, evaluateGate, evaluationSource, formatMetrics, formatNumber, readMetricsReport, type GateResult, type MetricsReport } from "../metrics";
import { pinTable, pinWord, type PinWord } from "../pins";
import { assertGroupExists, describePackage, registrarOf, shortExecution, type PackageDescription } from "../packages";
import { listAwaiting } from "../awaiting";
import { stageSetup } from "../stages";
import { awaitsCell, stageView } from "../stageView";

export interface VersionWithMetrics {
    readonly description: PackageDescription;
    readonly metrics: MetricsReport;
    readonly gate?: GateResult;
}

export interface LiveSummary {
    readonly endpoint?: LiveEndpoint;
    readonly versions: VersionWithMetrics[];
    /** Why the live version is unknown, when it is. */
    readonly note?: string;
    /** True when the caller may not look at the endpoint: what is live is unknown, not "nothing". */
    readonly hidden?: boolean;
}

/** A version plus its metrics and the env's gate applied. */
export async function withMetrics(scope: Scope, description: PackageDescription): Promise<VersionWithMetrics> {
    const metrics = await readMetricsReport(scope.clients.s3, evaluationSource(description));
    return { description, metrics, gate: scope.env?.metric ? evaluateGate(metrics, scope.env.metric) : undefined };
}

/** What the env's endpoint serves, with metrics. Never throws for a missing endpoint. */
export async function liveSummary(scope: Scope): Promise<LiveSummary> {
    if (!scope.endpointName) return { versions: [], note: "no environment given (--env), so no endpoint to look at" };
    const endpoint = await describeLiveEndpoint(scope.clients.sagemaker, scope.endpointName, scope);
    if (!endpoint) return { versions: [], note: `endpoint ${scope.endpointName} does not exist yet` };
    const versions = await mapLimit(livePackageArns(endpoint), 4, async (arn) => withMetrics(scope, await describePackage(scope.clients.sagemaker, arn, scope)));
    return { endpoint, versions, note: versions.length ? undefined : "its model was not created from a model package" };
}

/**
 * `liveSummary` for commands whose subject is a version (`pending`, `show`): when IAM lets the caller read
 * the registry but not the endpoint (the stack's approver policy grants only the former), the versions are
 * still shown and the live part says why it is missing, instead of the whole command failing.
 */
export async function liveSummaryIfVisible(scope: Scope): Promise<LiveSummary> {
    try {
        return await liveSummary(scope);
    } catch (err) {
        if (err instanceof CliError && err.exitCode === EXIT.aws && /^Access denied/.test(err.message)) {
            return { versions: [], hidden: true, note: `${err.message}${err.hint ? ` ${err.hint}` : ""}` };
        }
        throw err;
    }
}

function liveGate(live: LiveSummary): number | undefined {
    return live.versions.map((v) => v.gate?.value).find((v): v is number => typeof v === "number");
}

function versionJson(v: VersionWithMetrics, now: Date) {
    const d = v.description;
    return {
        arn: d.ModelPackageArn,
        group: d.ModelPackageGroupName,
        version: d.ModelPackageVersion,
        approvalStatus: d.ModelApprovalStatus,
        packageStatus: d.ModelPackageStatus,
        created: d.CreationTime,
        ageSeconds: d.CreationTime ? Math.floor((now.getTime() - d.CreationTime.getTime()) / 1000) : undefined,
        pipelineExecution: d.MetadataProperties?.GeneratedBy,
        registeredBy: registrarOf(d),
        metrics: v.metrics.values,
        metricsReport: v.metrics.s3Uri,
        metricsError: v.metrics.error,
        gate: v.gate,
    };
}

export function liveJson(live: LiveSummary, now: Date) {
    return {
        endpointName: live.endpoint?.endpointName,
        status: live.endpoint?.status,
        endpointConfigName: live.endpoint?.endpointConfigName,
        versions: live.versions.map((v) => versionJson(v, now)),
        note: live.note,
        ...(live.hidden ? { hidden: true } : {}),
    };
}

export function describeLive(live: LiveSummary): string {
    if (live.hidden) return `unknown (${live.note})`;
    if (!live.endpoint) return `nothing live (${live.note})`;
    const versions = live.versions.map((v) => `${v.description.ModelPackageGroupName}/${v.description.ModelPackageVersion} (${formatMetrics(v.metrics.values) || "no metrics"})`);
    return `${versions.join(", ") || `model not from a package`} on ${live.endpoint.endpointName} [${live.endpoint.status ?? "?"}]`;
}

export interface PendingOptions extends CommonOptions {
    readonly stages?: string;
}

export async function runPending(options: PendingOptions, deps: Deps): Promise<number> {
    const { io } = deps;
    const scope = await resolveScope(options, deps, { group: true });
    const group = scope.group!;
    const setup = stageSetup(scope.env, options.stages);
    await assertGroupExists(scope.clients.sagemaker, group, scope);
    const [awaiting, live] = await Promise.all([listAwaiting(scope, group, setup), liveSummaryIfVisible(scope)]);
    // With stages, the pins live in the environments' ledgers, not in one this listing can name: `show` checks them.
    const table = setup ? undefined : pinTable({}, scope, group, deps);
    const [pending, pins] = await Promise.all([
        mapLimit(awaiting, 4, (d) => withMetrics(scope, d)),
        table ? mapLimit(awaiting, 4, (d) => pinWord(scope, table, d.ModelPackageArn!)) : Promise.resolve<PinWord[] | undefined>(undefined),
    ]);
    const now = io.now();

    if (options.json) {
        printJson(io, {
            environment: scope.env?.name,
            group,
            region: scope.region,
            live: liveJson(live, now),
            ...(setup ? { stageOrder: setup.order } : {}),
            pending: pending.map((v, i) => ({ ...versionJson(v, now), stage: stageView(v.description, setup), ...(pins ? { pins: pins[i] } : {}) })),
        });
        return EXIT.ok;
    }

    io.out(`Model package group ${group}${scope.env ? ` (environment ${scope.env.name})` : ""}${scope.region ? `, ${scope.region}` : ""}`);
    io.out(`Live: ${describeLive(live)}`);
    if (scope.env?.metric) io.out(`Gate: ${describeGate(scope.env.metric)} (from Pulumi.${scope.env.name}.yaml; the pipeline registers only versions that pass it)`);
    if (pending.length === 0) {
        io.out(`\nNo versions awaiting approval.`);
        return EXIT.ok;
    }
    const liveValue = liveGate(live);
    const rows = pending.map((v, i) => {
        const d = v.description;
        let gate = v.gate ? v.gate.text : "-";
        if (v.gate?.value !== undefined && liveValue !== undefined) gate += ` (live ${formatNumber(liveValue)})`;
        return [
            String(d.ModelPackageVersion ?? "?"),
            formatAge(d.CreationTime, now),
            shortExecution(d.MetadataProperties?.GeneratedBy),
            formatMetrics(v.metrics.values) || `unavailable: ${v.metrics.error}`,
            gate,
            ...(setup ? [awaitsCell(d, setup)] : []),
            ...(pins ? [pins[i]] : []),
        ];
    });
    io.out(`\n${pending.length} version${pending.length === 1 ? "" : "s"} awaiting approval:`);
    io.out(renderTable(["Version", "Age", "Pipeline execution", "Metrics", "Gate", ...(setup ? ["Stage"] : []), ...(pins ? ["Pins"] : [])], rows));
    io.out(`\nInspect one with \`approvals show ${group}/<version>\`; decide with \`approvals approve|reject ${group}/<version>${setup ? " --stage <Stage>" : ""} --comment "…"\`.`);
    return EXIT.ok;
}

