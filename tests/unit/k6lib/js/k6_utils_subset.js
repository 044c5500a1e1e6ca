// From grafana/k6-jslib-utils v1.3.0 (MIT): the deterministic helpers, run under k6 as the oracle.
export function findBetween(content, left, right, repeat = false) {
    const extracted = []
    let doSearch = true
    let start,
        end = 0

    while (doSearch) {
        start = content.indexOf(left)
        if (start == -1) {
            break // no more matches
        }

        start += left.length
        end = content.indexOf(right, start)
        if (end == -1) {
            break // no more matches
        }
        let extractedContent = content.substring(start, end)

        // stop here if only extracting one match (default behavior)
        if (!repeat) {
            return extractedContent
        }

        // otherwise, add it to the array
        extracted.push(extractedContent)

        // update the "cursor" position to the end of the previous match
        content = content.substring(end + right.length)
    }

    return extracted.length ? extracted : null // return all matches as an array or null
}
export function normalDistributionStages(maxVus, durationSeconds, numberOfStages = 10) {
    function normalDensity(mean, scale, x) {
        return (
            Math.exp((-1 / 2) * Math.pow((x - mean) / scale, 2)) / (scale * Math.sqrt(2 * Math.PI))
        )
    }

    const mean = 0
    const scale = 1
    let curve = new Array(numberOfStages + 2).fill(0)
    let durations = new Array(numberOfStages + 2).fill(Math.ceil(durationSeconds / 6))
    let k6stages = []

    for (let i = 0; i <= numberOfStages; i++) {
        curve[i] = normalDensity(mean, scale, -2 * scale + (4 * scale * i) / numberOfStages)
    }

    let peakDistribution = Math.max(...curve)

    let vus = curve.map((x) => Math.round((x * maxVus) / peakDistribution))

    for (let j = 1; j <= numberOfStages; j++) {
        durations[j] = Math.ceil((4 * durationSeconds) / (6 * numberOfStages))
    }

    for (let k = 0; k <= numberOfStages + 1; k++) {
        k6stages.push({ duration: `${durations[k]}s`, target: vus[k] })
    }

    return k6stages
}
function parseDuration(str) {
    if (str == null || str.length < 1) {
        throw new Error('str is empty')
    }

    // the sum in millisecond of the parsed duration
    let d = 0

    // current contains the partial seen number
    // it's reset when a time unit is found
    let current = ''

    // it tracks the seen time units
    // and it denies eventual duplicated
    let seen = {}

    for (let i = 0; i < str.length; i++) {
        // append the current char if it's a number or a decimal separator
        if (isNumber(str[i]) || str[i] == '.') {
            current += str[i]
        }

        // return if the next char is not a time unit
        if (str[i + 1] == null || isNumber(str[i + 1]) || str[i + 1] == '.') {
            continue
        }

        let v = parseFloat(current, 10)
        let next = str[i + 1]

        switch (next) {
            case 'd':
                d += v * 24 * 60 * 60 * 1000
                break
            case 'h':
                d += v * 60 * 60 * 1000
                break
            case 'm':
                if (i + 2 < str.length && str[i + 2] == 's') {
                    // millisecond is the maximum precision
                    // truncate eventual decimal
                    d += Math.trunc(v)
                    i++
                    next = 'ms'
                } else {
                    d += v * 60 * 1000
                }
                break
            case 's':
                d += v * 1000
                break
            default:
                throw new Error(`${next} is an unsupported time unit`)
        }
        if (seen[next]) {
            throw new Error(`${next} time unit is provided multiple times`)
        }
        seen[next] = true
        i++
        current = ''
    }
    // flush in case no time unit has been provided
    // for the latest group
    if (current.length > 0) {
        d += parseFloat(current, 10)
    }
    return d
}
function isNumber(c) {
    return c >= '0' && c <= '9'
}
export { parseDuration }
