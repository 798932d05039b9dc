import re, sys
mod, pkg, ops, out = sys.argv[1], sys.argv[2], sys.argv[3].split(','), sys.argv[4]
res = []
for op in ops:
    src = open(f"{mod}/api_op_{op}.go").read()
    for kind in ("Input", "Output"):
        m = re.search(r"^type %s%s struct \{\n(.*?)^\}" % (op, kind), src, re.S | re.M)
        body = m.group(1)
        fields = []
        for line in body.split("\n"):
            s = line.strip()
            if not s or s.startswith("//") or s == "noSmithyDocumentSerde" or s.startswith("ResultMetadata"):
                continue
            fields.append("\t" + s)
        doc = f"// {op}{kind} is the SDK's {pkg}.{op}{kind}, field for field (awsjson encodes it)."
        res.append(doc + f"\ntype {op}{kind} struct {{\n" + "\n".join(fields) + "\n}\n")
hdr = f"// Code generated from the AWS SDK for Go v2's {pkg} {mod.split('@')[1]} by scripts/gen-awsapi-types; DO NOT EDIT.\n\n"
open(out, "w").write(hdr + "\n".join(res))
