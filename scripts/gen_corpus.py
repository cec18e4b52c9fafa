"""Write a deterministic synthetic content tree for benchmarks: `--scale city` or `--scale small`.

City scale follows the city's own progress report (46 industries, 351 benchmark enterprises of
which 140 at city level) with about 9,000 checklist items and 1,050 practices. The text is built
from a vocabulary of safety-management terms so that text sizes, line breaking and the search
index behave like real content, with field lengths measured on the hand-written sectors. Every
enterprise is fictitious: `sample: true` and a name ending in （示例）.

    python scripts/gen_corpus.py --scale city --out /tmp/city [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ASPECTS = ("基础管理", "设备设施", "作业现场", "作业行为")


@dataclass(frozen=True)
class Scale:
    sectors: int
    items: int
    enterprises: int
    city_level: int
    practices_per_enterprise: int


SCALES = {
    "city": Scale(sectors=46, items=9000, enterprises=351, city_level=140, practices_per_enterprise=3),
    # The smoke test's scale. Each PDF has a fixed cost of about a second (fonts): two sectors keep
    # it quick, six enterprises give the print measures over a hundred full lines to judge.
    "small": Scale(sectors=2, items=60, enterprises=6, city_level=2, practices_per_enterprise=3),
}

# Quanzhou's counties, cities and districts (金门县 left out: no enterprises are listed there).
COUNTIES = (
    "鲤城区", "丰泽区", "洛江区", "泉港区", "石狮市", "晋江市", "南安市",
    "惠安县", "安溪县", "永春县", "德化县", "泉州台商投资区", "泉州经济技术开发区",
)

SECTORS = (
    ("危险化学品", "市应急管理局"), ("非煤矿山", "市应急管理局"), ("烟花爆竹", "市应急管理局"),
    ("冶金", "市应急管理局"), ("有色金属", "市应急管理局"), ("建材", "市应急管理局"),
    ("机械制造", "市应急管理局"), ("轻工", "市应急管理局"), ("纺织", "市应急管理局"),
    ("鞋服制造", "市应急管理局"), ("石材加工", "市应急管理局"), ("陶瓷", "市应急管理局"),
    ("纸制品", "市应急管理局"), ("食品加工", "市应急管理局"), ("粉尘涉爆", "市应急管理局"),
    ("涉氨制冷", "市应急管理局"), ("建筑施工", "市住房和城乡建设局"), ("城镇燃气", "市住房和城乡建设局"),
    ("道路运输", "市交通运输局"), ("水上交通", "市交通运输局"), ("港口", "市交通运输局"),
    ("城市公共交通", "市交通运输局"), ("商贸", "市商务局"), ("成品油零售", "市商务局"),
    ("特种设备", "市市场监督管理局"), ("电力", "市工业和信息化局"), ("电子信息", "市工业和信息化局"),
    ("民用爆炸物品", "市工业和信息化局"), ("消防", "市消防救援支队"), ("人员密集场所", "市消防救援支队"),
    ("农业机械", "市农业农村局"), ("渔业船舶", "市海洋与渔业局"), ("旅游", "市文化广电和旅游局"),
    ("文化娱乐场所", "市文化广电和旅游局"), ("教育", "市教育局"), ("医疗卫生", "市卫生健康委员会"),
    ("水利工程", "市水利局"), ("城市管理", "市城市管理局"), ("林业", "市林业局"),
    ("养老机构", "市民政局"), ("体育场馆", "市体育局"), ("邮政快递", "市邮政管理局"),
    ("仓储物流", "市商务局"), ("印刷", "市应急管理局"), ("木材加工", "市应急管理局"),
    ("塑料制品", "市应急管理局"),
)

OBJECTS = {
    "基础管理": (
        "全员安全生产责任制", "安全生产管理机构", "安全生产费用", "安全管理制度", "岗位操作规程",
        "安全教育培训", "特种作业人员管理", "相关方管理", "安全风险分级管控", "隐患排查治理",
        "应急救援预案", "应急演练", "事故报告和调查处理", "安全生产标准化自评", "安全承诺公告",
        "职业健康管理", "安全生产责任保险", "外包单位管理", "变更管理", "安全检查台账",
    ),
    "设备设施": (
        "压力容器", "起重机械", "场内机动车辆", "锅炉", "电气线路", "配电室", "防雷防静电设施",
        "可燃气体报警装置", "通风排风系统", "除尘系统", "消防设施", "安全联锁装置", "安全阀和压力表",
        "机械防护装置", "应急照明", "视频监控系统", "液氨制冷系统", "燃气管道", "储罐区", "泄压装置",
    ),
    "作业现场": (
        "作业现场定置管理", "安全警示标志", "疏散通道和安全出口", "危险化学品储存", "仓库管理",
        "临时用电", "高处作业平台", "有限空间", "粉尘清扫", "物料堆放", "装卸作业区", "厂内道路",
        "职业病危害因素", "作业环境照明", "危险作业区域隔离", "生产现场防火分隔",
    ),
    "作业行为": (
        "动火作业", "受限空间作业", "高处作业", "吊装作业", "临时用电作业", "设备检维修作业",
        "劳动防护用品佩戴", "交接班", "巡回检查", "班前安全讲话", "盲板抽堵作业", "动土作业",
        "断路作业", "叉车驾驶", "危险物品装卸", "违章指挥和违章作业",
    ),
}

ELEMENTS_BY_ASPECT = {
    "基础管理": ("目标职责", "制度化管理", "教育培训", "应急管理", "事故管理", "持续改进"),
    "设备设施": ("现场管理", "安全风险管控及隐患排查治理"),
    "作业现场": ("现场管理", "安全风险管控及隐患排查治理", "应急管理"),
    "作业行为": ("现场管理", "教育培训"),
}

SUFFIXES = ("", "管理", "检查", "配置", "维护保养", "台账", "验收", "检测")
ACTORS = ("企业", "企业主要负责人", "安全管理部门", "车间", "班组", "设备管理部门", "生产部门", "项目部")
VERBS = ("建立并落实", "按规定配备", "定期检查", "组织开展", "明确并公示", "编制并严格执行", "规范设置", "落实专人管理")
REQUIREMENTS = (
    "明确责任人和检查周期", "做到全员覆盖、全过程管理", "内容与实际作业相符", "确保处于完好有效状态",
    "每季度至少检查一次", "发现问题及时整改并闭环销号", "每年至少组织一次评审", "按风险等级实行分级管控",
    "与岗位风险辨识结果相对应", "保持标识清晰、数据准确",
)
CONTENT_FILES = (
    "相关记录保存不少于三年", "检查和整改情况记入台账", "由负责人签字确认", "结果向从业人员公示",
    "资料归档备查", "纳入年度安全生产考核",
)
METHODS = (
    "查阅资料", "现场检查", "询问人员", "查阅台账、记录，现场抽查", "查阅制度文件并抽问岗位人员",
    "现场查看设施状态，核对检测报告", "抽查作业票证，现场观察作业过程", "查阅培训档案，随机抽考",
)
DEFECTS = (
    "未建立或未落实", "缺失、损坏或失效", "未定期检测检验", "超期未整改", "记录不全、与实际不符",
    "被占用或堵塞", "设置不规范", "操作人员未经培训上岗", "未明确责任人",
)
MAJOR_DEFECTS = ("未按规定设置或擅自停用", "在未经审批的情况下违规作业", "与人员密集场所未有效隔离")
BASIS = (
    "《中华人民共和国安全生产法》",
    "《中华人民共和国消防法》",
    "《中华人民共和国特种设备安全法》",
    "《中华人民共和国职业病防治法》",
    "《生产安全事故应急条例》",
    "《生产安全事故报告和调查处理条例》",
    "《危险化学品安全管理条例》",
    "《福建省安全生产条例》",
    "《生产经营单位安全培训规定》",
    "《特种作业人员安全技术培训考核管理规定》",
    "GB/T 33000-2016《企业安全生产标准化基本规范》",
    "GB 30871-2022《危险化学品企业特殊作业安全规范》",
    "GB 2894-2008《安全标志及其使用导则》",
    "GB/T 29639-2020《生产经营单位生产安全事故应急预案编制导则》",
    "GB 15577-2018《粉尘防爆安全规程》",
    "GB 50057-2010《建筑物防雷设计规范》",
)
SECTOR_BASIS = (
    ("中华人民共和国安全生产法", None),
    ("企业安全生产标准化基本规范", "GB/T 33000-2016"),
    ("生产经营单位生产安全事故应急预案编制导则", "GB/T 29639-2020"),
    ("企业安全生产标准化建设定级办法", "应急〔2021〕83号"),
)
DEPARTMENTS = ("安全管理部门", "设备管理部门", "生产部门", "人力资源部门", "财务部门", "车间", "班组")
ACTIONS = (
    "修订制度并组织全员学习", "完成检测并更换失效部件", "补齐台账并逐项核对", "组织专项培训并考核",
    "整改到位并复查验收", "重新辨识风险并更新管控清单", "补设标志并加强巡查",
)
WINS = (
    "隐患整改率保持在百分之百", "连续三年未发生生产安全事故", "员工安全知识考核合格率明显提高",
    "设备故障停机次数大幅下降", "现场违章行为明显减少", "应急处置时间缩短一半",
)
NAME_CHARS = "安泰恒信诚达鑫华盛源丰宏德利祥顺隆兴瑞昌永嘉和明辉峰"
TRADES = ("制造", "科技", "实业", "工贸", "机械", "材料", "发展", "服务")


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Block scalars for Markdown; never anchors, which the validator refuses."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(schema: str, data: dict[str, Any]) -> str:
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return f"# yaml-language-server: $schema={schema}\n{body}"


class Writer:
    """Sentences from the vocabulary, all drawn from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, seq: tuple[str, ...]) -> str:
        return self.rng.choice(seq)

    def requirement(self, obj: str) -> str:
        r = self.rng
        return f"{self.pick(ACTORS)}应{self.pick(VERBS)}{obj}，{self.pick(REQUIREMENTS)}，{self.pick(CONTENT_FILES)}。" + (
            f"{self.pick(ACTORS)}{self.pick(REQUIREMENTS)}。" if r.random() < 0.5 else ""
        )

    def rectification(self) -> str:
        days = self.rng.choice((3, 7, 15, 30, 60))
        return (f"由{self.pick(DEPARTMENTS)}牵头、{self.pick(DEPARTMENTS)}配合，{days}日内{self.pick(ACTIONS)}；"
                "所需资金列入年度安全生产投入计划。\n")

    def hazard(self, obj: str) -> dict[str, str]:
        if self.rng.random() < 0.07:
            return {"text": f"{obj}{self.pick(MAJOR_DEFECTS)}", "level": "重大"}
        return {"text": f"{obj}{self.pick(DEFECTS)}", "level": "一般"}

    def paragraph(self, objects: tuple[str, ...], sentences: int) -> str:
        return "".join(self.requirement(self.pick(objects)) for _ in range(sentences))


def item_counts(total: int, sectors: int, rng: random.Random) -> list[int]:
    """Uneven sector sizes (like real checklists) that add up to exactly `total`."""
    weights = [rng.uniform(0.6, 1.4) for _ in range(sectors)]
    counts = [max(8, int(total * w / sum(weights))) for w in weights]
    counts[-1] += total - sum(counts)
    return counts


def checklist(prefix: str, count: int, w: Writer) -> list[dict[str, Any]]:
    items = []
    for n in range(1, count + 1):
        aspect = ASPECTS[min(3, (n - 1) * 4 // count)]
        obj = w.pick(OBJECTS[aspect])
        item: dict[str, Any] = {"id": f"{prefix}-{n:03d}", "aspect": aspect}
        if w.rng.random() < 0.9:
            item["element"] = w.pick(ELEMENTS_BY_ASPECT[aspect])
        item["item"] = obj + w.pick(SUFFIXES)
        item["content"] = w.requirement(obj)
        item["method"] = w.pick(METHODS)
        item["basis"] = w.rng.sample(BASIS, w.rng.choice((1, 2, 2, 3)))
        item["hazards"] = [w.hazard(obj) for _ in range(w.rng.choice((1, 2, 2, 3)))]
        item["rectification"] = w.rectification()
        items.append(item)
    return items


def sector_record(num: int, name: str, department: str, w: Writer) -> dict[str, Any]:
    objects = OBJECTS["基础管理"] + OBJECTS["作业现场"]
    return {
        "id": f"sector-{num:02d}",
        "name": name,
        "department": department,
        "prefix": prefix_for(num),
        "key": num <= 8,
        "order": num,
        "summary": f"{name}行业点多面广，风险类型多样。{w.paragraph(objects, 2)}\n",
        "scope": f"适用于本市行政区域内{name}行业的生产经营单位。\n\n- {w.paragraph(objects, 1)}\n",
        "basis": [{"title": t, **({"code": c} if c else {})} for t, c in SECTOR_BASIS],
    }


def prefix_for(num: int) -> str:
    """`HA`…`HZ`, then `HBA`…: unique, 2–6 capital letters."""
    letters = ""
    n = num - 1
    while True:
        letters = chr(ord("A") + n % 26) + letters
        n = n // 26 - 1
        if n < 0:
            break
    return "H" + letters


def practices(items: list[dict[str, Any]], count: int, image: str | None, w: Writer) -> list[dict[str, Any]]:
    out = []
    for k in range(count):
        aspect = ASPECTS[(k + w.rng.randrange(4)) % 4]
        pool = [it for it in items if it["aspect"] == aspect] or items
        refs = sorted(it["id"] for it in w.rng.sample(pool, min(len(pool), w.rng.choice((1, 2, 2, 3)))))
        obj = w.pick(OBJECTS[aspect])
        p: dict[str, Any] = {"title": f"{obj}“{w.pick(SUFFIXES) or '闭环'}”工作法", "aspect": aspect, "items": refs}
        p["body"] = w.paragraph(OBJECTS[aspect], 2) + "\n"
        if w.rng.random() < 0.3:
            p["body"] += "\n" + "".join(f"- {w.requirement(w.pick(OBJECTS[aspect]))}\n" for _ in range(2))
        if w.rng.random() < 0.7:
            p["results"] = f"实施以来，{w.pick(WINS)}。\n"
        if image and k == 0:
            p["images"] = [{"src": image, "caption": f"{obj}示意图"}]
        out.append(p)
    return out


def enterprise_names(total: int, w: Writer) -> list[tuple[str, str]]:
    """Unique fictitious (name, county) pairs; the name starts with its county like real ones."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    while len(out) < total:
        county = w.pick(COUNTIES)
        name = f"{county.removeprefix('泉州')[:2]}{''.join(w.rng.sample(NAME_CHARS, 2))}{w.pick(TRADES)}有限公司（示例）"
        if name not in seen:
            seen.add(name)
            out.append((name, county))
    return out


def spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` nearly equal whole numbers."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="480" height="240" viewBox="0 0 480 240">
<rect width="480" height="240" fill="#f4f6f8"/>
<rect x="20" y="20" width="200" height="90" fill="#d9534f"/><rect x="240" y="20" width="220" height="90" fill="#f0ad4e"/>
<rect x="20" y="130" width="200" height="90" fill="#f7e463"/><rect x="240" y="130" width="220" height="90" fill="#5b9bd5"/>
</svg>
"""


def write_sector(root: Path, num: int, count: int, ents: list[tuple[str, str, str]], w: Writer, scale: Scale) -> None:
    name, department = SECTORS[(num - 1) % len(SECTORS)]
    record = sector_record(num, name, department, w)
    folder = root / "sectors" / record["id"]
    (folder / "enterprises").mkdir(parents=True)
    (folder / "images").mkdir()
    (folder / "images" / "risk-map.svg").write_text(SVG, encoding="utf-8")
    (folder / "sector.yml").write_text(dump("../../schemas/sector.schema.json", record), encoding="utf-8")
    items = checklist(record["prefix"], count, w)
    (folder / "checklist.yml").write_text(dump("../../schemas/checklist.schema.json", {"items": items}), encoding="utf-8")
    for j, (ent_name, county, level) in enumerate(ents, 1):
        ent_id = f"sample-{num:02d}-{j:02d}"
        data = {
            "id": ent_id, "name": ent_name, "county": county, "level": level,
            "year": 2020 + w.rng.randrange(3), "sample": True,
            "summary": f"位于{county}的{name}企业，现有员工约{w.rng.randrange(80, 2000)}人。"
                       f"{w.paragraph(OBJECTS['基础管理'], 1)}\n",
            "practices": practices(items, scale.practices_per_enterprise, "images/risk-map.svg" if j == 1 else None, w),
        }
        path = folder / "enterprises" / f"{ent_id}.yml"
        path.write_text(dump("../../../schemas/enterprise.schema.json", data), encoding="utf-8")


def write_guide(root: Path, w: Writer) -> None:
    chapters = {
        "01-overview.md": "什么是安全生产标准化",
        "02-tasks.md": "标准化运行的六项任务",
        "03-self-check.md": "怎样开展自查自评",
    }
    (root / "guides").mkdir(parents=True)
    guide = {
        "title": "安全生产标准化运行提升指南", "issuer": "泉州市安全生产委员会办公室（示例）",
        "edition": "2021年版", "date": "2021-12-31", "chapters": list(chapters), "counties": list(COUNTIES),
        "deadlines": {"findings": "2021-11-25", "rectifications": "2021-12-31"},
    }
    (root / "guides" / "guide.yml").write_text(dump("../schemas/guide.schema.json", guide), encoding="utf-8")
    objects = OBJECTS["基础管理"]
    for fname, title in chapters.items():
        parts = [f"# {title}\n"]
        for s in range(1, 5):
            parts.append(f"## 第{s}节 {w.pick(objects)}\n\n{w.paragraph(objects, 4)}\n")
            parts.append("".join(f"- {w.requirement(w.pick(objects))}\n" for _ in range(3)))
        (root / "guides" / fname).write_text("\n".join(parts), encoding="utf-8")


def generate(out: Path, scale_name: str, seed: int) -> None:
    scale = SCALES[scale_name]
    w = Writer(random.Random(f"{scale_name}:{seed}"))
    for sub in ("guides", "sectors"):
        shutil.rmtree(out / sub, ignore_errors=True)
    write_guide(out, w)
    counts = item_counts(scale.items, scale.sectors, w.rng)
    names = enterprise_names(scale.enterprises, w)
    # Spread the city-level enterprises evenly through the list instead of bunching them.
    levels = ["市级" if (k + 1) * scale.city_level // scale.enterprises > k * scale.city_level // scale.enterprises
              else "县级" for k in range(scale.enterprises)]
    start = 0
    for num, n_ents in enumerate(spread(scale.enterprises, scale.sectors), 1):
        ents = [(*names[k], levels[k]) for k in range(start, start + n_ents)]
        start += n_ents
        write_sector(out, num, counts[num - 1], ents, w, scale)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成基准测试用的合成内容（guides/ 和 sectors/）。")
    parser.add_argument("--scale", choices=sorted(SCALES), default="small", help="city：全市规模；small：快速测试")
    parser.add_argument("--out", type=Path, required=True, help="输出目录（其中的 guides/ 和 sectors/ 会被替换）")
    parser.add_argument("--seed", type=int, default=1, help="随机种子；相同种子生成相同的字节")
    args = parser.parse_args(argv)
    generate(args.out, args.scale, args.seed)
    print(f"已生成 {args.scale} 规模内容：{args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
