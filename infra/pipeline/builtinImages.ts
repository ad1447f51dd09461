/**
 * The SageMaker built-in images the sample pipeline uses, per region. AWS publishes each built-in image
 * from a registry account of its own in every region, so an image URI of one region does not work in
 * another; these tables let the sample images follow the stack's `aws:region`.
 *
 * Source: aws/sagemaker-python-sdk, src/sagemaker/image_uri_config/xgboost.json (version "1.7-1", commit
 * 02ed3cbfd8f1c519f8a829b545bb78a47a538546) and sklearn.json (version "1.2-1", commit
 * 08288184373326dab899e933d98b758fa7fa87e3), Apache License 2.0. The isolated partitions (us-iso*,
 * eu-isoe) are left out: their ECR hosts are not `amazonaws.com`, so set their images explicitly.
 * Checked in rather than looked up (`aws.sagemaker.getPrebuiltEcrImage`) so the config reader can
 * validate and default images before any resource, and so the same config always gives the same images.
 */

/** Registry accounts shared by the XGBoost 1.7-1 and scikit-learn 1.2-1 images, per region. */
const BUILTIN_ALGORITHM_REGISTRIES: Readonly<Record<string, string>> = {
    "af-south-1": "510948584623",
    "ap-east-1": "651117190479",
    "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698",
    "ap-northeast-3": "867004704886",
    "ap-south-1": "720646828776",
    "ap-south-2": "628508329040",
    "ap-southeast-1": "121021644041",
    "ap-southeast-2": "783357654285",
    "ap-southeast-3": "951798379941",
    "ap-southeast-4": "106583098589",
    "ca-central-1": "341280168497",
    "ca-west-1": "190319476487",
    "cn-north-1": "450853457545",
    "cn-northwest-1": "451049120500",
    "eu-central-1": "492215442770",
    "eu-central-2": "680994064768",
    "eu-north-1": "662702820516",
    "eu-south-1": "978288397137",
    "eu-south-2": "104374241257",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-west-3": "659782779980",
    "il-central-1": "898809789911",
    "me-central-1": "272398656194",
    "me-south-1": "801668240914",
    "sa-east-1": "737474898029",
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-gov-east-1": "237065988967",
    "us-gov-west-1": "414596584902",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
};

/** sklearn.json "1.2-1" lists no registry in these regions (xgboost.json "1.7-1" does). */
const SKLEARN_MISSING_REGIONS: ReadonlySet<string> = new Set(["ca-west-1", "il-central-1"]);

export interface BuiltinImage {
    readonly repository: string;
    readonly tag: string;
    /** Regions with a registry for this image. */
    readonly regions: readonly string[];
}

export const BUILTIN_IMAGES = {
    /** The sample's preprocessing and evaluation image. */
    processing: {
        repository: "sagemaker-scikit-learn",
        tag: "1.2-1-cpu-py3",
        regions: Object.keys(BUILTIN_ALGORITHM_REGISTRIES).filter((r) => !SKLEARN_MISSING_REGIONS.has(r)),
    },
    /** The sample's training and inference image. */
    training: { repository: "sagemaker-xgboost", tag: "1.7-1", regions: Object.keys(BUILTIN_ALGORITHM_REGISTRIES) },
} as const satisfies Record<string, BuiltinImage>;

/** `amazonaws.com`, or `amazonaws.com.cn` in the China regions. */
export function ecrDomain(region: string): string {
    return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

/** The built-in image's URI in `region`, or undefined where this table has no registry for it. */
export function builtinImageUri(image: BuiltinImage, region: string): string | undefined {
    const account = BUILTIN_ALGORITHM_REGISTRIES[region];
    if (!account || !image.regions.includes(region)) return undefined;
    return `${account}.dkr.ecr.${region}.${ecrDomain(region)}/${image.repository}:${image.tag}`;
}

/** Whether `account` is the built-in algorithms' registry in `region` (an image of AWS's, not yours). */
export function isBuiltinRegistry(account: string, region: string): boolean {
    return BUILTIN_ALGORITHM_REGISTRIES[region] === account;
}

/** The same built-in repository and tag in another region's registry; undefined when not a built-in image. */
export function builtinImageInRegion(imageUri: string, region: string): string | undefined {
    const parsed = parseEcrImageUri(imageUri);
    if (!parsed || !isBuiltinRegistry(parsed.account, parsed.region)) return undefined;
    const account = BUILTIN_ALGORITHM_REGISTRIES[region];
    return account ? `${account}.dkr.ecr.${region}.${ecrDomain(region)}/${parsed.repositoryAndReference}` : undefined;
}

export interface EcrImageUri {
    readonly account: string;
    readonly region: string;
    readonly domain: string;
    /** `repo/path:tag` or `repo@sha256:…`. */
    readonly repositoryAndReference: string;
}

/** Parses `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]`. */
export function parseEcrImageUri(uri: string): EcrImageUri | undefined {
    const match = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.(amazonaws\.com(?:\.cn)?)\/(.+)$/.exec(uri);
    return match ? { account: match[1], region: match[2], domain: match[3], repositoryAndReference: match[4] } : undefined;
}
