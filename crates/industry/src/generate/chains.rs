//! The value chains of each cluster: the lines of business enterprises are generated from.

use super::*;

/// One line of business in a cluster.
pub(crate) struct Line {
    pub(crate) trade_zh: &'static str,
    pub(crate) trade_en: &'static str,
    pub(crate) industry: &'static str,
    pub(crate) zh: &'static [&'static str],
    pub(crate) en: &'static [&'static str],
    pub(crate) certs: &'static [&'static str],
}

pub(crate) const fn line(
    trade_zh: &'static str,
    trade_en: &'static str,
    industry: &'static str,
    zh: &'static [&'static str],
    en: &'static [&'static str],
    certs: &'static [&'static str],
) -> Line {
    Line {
        trade_zh,
        trade_en,
        industry,
        zh,
        en,
        certs,
    }
}

pub(crate) fn lines(c: Cluster) -> &'static [Line] {
    match c {
        Cluster::IntegratedCircuits => {
            const L: &[Line] = &[
                line(
                    "微电子",
                    "Microelectronics",
                    "C3973",
                    &[
                        "集成电路设计",
                        "模拟芯片",
                        "电源管理芯片",
                        "射频前端芯片",
                        "MCU微控制器",
                        "版图设计服务",
                    ],
                    &[
                        "integrated circuit design",
                        "analog chips",
                        "power management ICs",
                        "RF front-end chips",
                        "MCU microcontrollers",
                        "layout design services",
                    ],
                    &["ISO 9001", "IATF 16949"],
                ),
                line(
                    "半导体",
                    "Semiconductor",
                    "C3972",
                    &[
                        "晶圆制造",
                        "功率半导体器件",
                        "碳化硅器件",
                        "IGBT模块",
                        "MOSFET",
                    ],
                    &[
                        "wafer fabrication",
                        "power semiconductor devices",
                        "silicon carbide devices",
                        "IGBT modules",
                        "MOSFETs",
                    ],
                    &["ISO 9001", "IATF 16949", "ISO 14001"],
                ),
                line(
                    "封测",
                    "Packaging and Test",
                    "C3973",
                    &[
                        "集成电路封装测试",
                        "晶圆级封装",
                        "倒装芯片封装",
                        "系统级封装SiP",
                        "芯片测试服务",
                    ],
                    &[
                        "IC packaging and testing",
                        "wafer-level packaging",
                        "flip-chip packaging",
                        "system in package",
                        "chip test services",
                    ],
                    &["ISO 9001", "IATF 16949"],
                ),
                line(
                    "电子材料",
                    "Electronic Materials",
                    "C3985",
                    &[
                        "湿电子化学品",
                        "高纯溅射靶材",
                        "电子特气",
                        "抛光液",
                        "封装基板材料",
                    ],
                    &[
                        "wet electronic chemicals",
                        "high-purity sputtering targets",
                        "electronic specialty gases",
                        "CMP slurry",
                        "package substrate materials",
                    ],
                    &["ISO 9001", "ISO 14001"],
                ),
            ];
            L
        }
        Cluster::Biomedicine => {
            const L: &[Line] = &[
                line(
                    "生物医药",
                    "Biopharma",
                    "C2761",
                    &[
                        "单克隆抗体",
                        "生物类似药",
                        "细胞治疗",
                        "疫苗研发",
                        "CDMO外包生产",
                    ],
                    &[
                        "monoclonal antibodies",
                        "biosimilars",
                        "cell therapy",
                        "vaccine development",
                        "CDMO contract manufacturing",
                    ],
                    &["GMP", "ISO 9001"],
                ),
                line(
                    "医疗器械",
                    "Medical Devices",
                    "C3581",
                    &[
                        "体外诊断试剂",
                        "医用导管",
                        "骨科植入物",
                        "手术器械",
                        "医用高分子耗材",
                    ],
                    &[
                        "in vitro diagnostic reagents",
                        "medical catheters",
                        "orthopaedic implants",
                        "surgical instruments",
                        "medical polymer consumables",
                    ],
                    &["ISO 13485", "ISO 9001"],
                ),
            ];
            L
        }
        Cluster::ArtificialIntelligence => {
            const L: &[Line] = &[
                line(
                    "智能科技",
                    "Intelligent Technology",
                    "I6513",
                    &[
                        "机器视觉",
                        "智能语音",
                        "大模型推理服务",
                        "工业质检算法",
                        "智算中心运维",
                    ],
                    &[
                        "machine vision",
                        "speech recognition",
                        "large model inference services",
                        "industrial inspection algorithms",
                        "AI computing centre operations",
                    ],
                    &["ISO 27001", "ISO 9001"],
                ),
                line(
                    "机器人",
                    "Robotics",
                    "C3491",
                    &[
                        "工业机器人",
                        "协作机器人",
                        "机器人减速器",
                        "伺服电机",
                        "自动导引车AGV",
                    ],
                    &[
                        "industrial robots",
                        "collaborative robots",
                        "robot reducers",
                        "servo motors",
                        "automated guided vehicles",
                    ],
                    &["ISO 9001", "CE"],
                ),
            ];
            L
        }
        Cluster::NewEnergy => {
            const L: &[Line] = &[
                line(
                    "新能源",
                    "New Energy",
                    "C3841",
                    &[
                        "锂离子电池",
                        "储能系统",
                        "电池管理系统",
                        "正极材料",
                        "光伏组件",
                    ],
                    &[
                        "lithium-ion batteries",
                        "energy storage systems",
                        "battery management systems",
                        "cathode materials",
                        "photovoltaic modules",
                    ],
                    &["IATF 16949", "ISO 9001", "UL"],
                ),
                line(
                    "汽车零部件",
                    "Auto Parts",
                    "C3670",
                    &[
                        "新能源汽车电驱系统",
                        "热管理系统",
                        "轻量化车身部件",
                        "线束连接器",
                        "车载充电机",
                    ],
                    &[
                        "EV electric drive systems",
                        "thermal management systems",
                        "lightweight body parts",
                        "wiring harness connectors",
                        "on-board chargers",
                    ],
                    &["IATF 16949", "ISO 9001"],
                ),
            ];
            L
        }
        Cluster::Aviation => {
            const L: &[Line] = &[
                line(
                    "航空科技",
                    "Aerospace",
                    "C3741",
                    &[
                        "航空结构件加工",
                        "钛合金精密锻件",
                        "复合材料构件",
                        "航空紧固件",
                        "机载线缆组件",
                    ],
                    &[
                        "aircraft structural parts machining",
                        "titanium alloy precision forgings",
                        "composite components",
                        "aerospace fasteners",
                        "airborne cable assemblies",
                    ],
                    &["AS9100", "NADCAP", "ISO 9001"],
                ),
                line(
                    "航空装备",
                    "Aviation Equipment",
                    "C3744",
                    &[
                        "航空地面保障设备",
                        "飞机内饰件",
                        "起落架零部件",
                        "航空液压件",
                        "无人机整机",
                    ],
                    &[
                        "aviation ground support equipment",
                        "aircraft interior parts",
                        "landing gear components",
                        "aviation hydraulics",
                        "unmanned aerial vehicles",
                    ],
                    &["AS9100", "ISO 9001"],
                ),
            ];
            L
        }
        Cluster::SatelliteInternet => {
            const L: &[Line] = &[line(
                "卫星通信",
                "Satellite Communications",
                "I6331",
                &[
                    "卫星通信终端",
                    "相控阵天线",
                    "星载射频组件",
                    "地面站设备",
                    "北斗导航模块",
                ],
                &[
                    "satellite communication terminals",
                    "phased array antennas",
                    "spaceborne RF components",
                    "ground station equipment",
                    "BeiDou navigation modules",
                ],
                &["ISO 9001", "GJB 9001C"],
            )];
            L
        }
        Cluster::HighEndEquipment => {
            const L: &[Line] = &[
                line(
                    "精密机械",
                    "Precision Machinery",
                    "C3421",
                    &[
                        "五轴数控机床",
                        "精密主轴",
                        "工业母机",
                        "激光加工设备",
                        "精密模具",
                    ],
                    &[
                        "five-axis CNC machine tools",
                        "precision spindles",
                        "machine tools",
                        "laser processing equipment",
                        "precision moulds",
                    ],
                    &["ISO 9001", "CE"],
                ),
                line(
                    "智能装备",
                    "Intelligent Equipment",
                    "C3599",
                    &[
                        "自动化生产线",
                        "半导体设备零部件",
                        "真空设备",
                        "检测仪器",
                        "工业传感器",
                    ],
                    &[
                        "automated production lines",
                        "semiconductor equipment parts",
                        "vacuum equipment",
                        "inspection instruments",
                        "industrial sensors",
                    ],
                    &["ISO 9001"],
                ),
            ];
            L
        }
        Cluster::NewMaterials => {
            const L: &[Line] = &[
                line(
                    "新材料",
                    "New Materials",
                    "C2651",
                    &[
                        "高分子密封材料",
                        "工程塑料改性",
                        "特种胶粘剂",
                        "硅橡胶制品",
                        "功能薄膜",
                    ],
                    &[
                        "polymer sealing materials",
                        "modified engineering plastics",
                        "specialty adhesives",
                        "silicone rubber products",
                        "functional films",
                    ],
                    &["ISO 9001", "ISO 14001", "IATF 16949"],
                ),
                line(
                    "复合材料",
                    "Composites",
                    "C3062",
                    &[
                        "碳纤维预浸料",
                        "玻璃纤维织物",
                        "蜂窝芯材",
                        "复合材料模具",
                        "树脂基体",
                    ],
                    &[
                        "carbon fibre prepreg",
                        "glass fibre fabrics",
                        "honeycomb cores",
                        "composite tooling",
                        "resin matrices",
                    ],
                    &["ISO 9001", "AS9100"],
                ),
                line(
                    "金属材料",
                    "Metal Materials",
                    "C3240",
                    &[
                        "高温合金",
                        "铝合金型材",
                        "粉末冶金",
                        "稀土永磁材料",
                        "铜合金带材",
                    ],
                    &[
                        "superalloys",
                        "aluminium alloy profiles",
                        "powder metallurgy",
                        "rare-earth permanent magnets",
                        "copper alloy strips",
                    ],
                    &["ISO 9001", "IATF 16949"],
                ),
            ];
            L
        }
    }
}
