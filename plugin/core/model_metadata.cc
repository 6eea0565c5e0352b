#include "plugin/core/model_metadata.h"

#include <cmath>
#include <cstdio>

namespace mjhybrid {

namespace {

using nlohmann::json;

bool ParseJointKind(const std::string& s, JointKind* kind) {
  for (JointKind k : {JointKind::kFree, JointKind::kBall, JointKind::kSlide, JointKind::kHinge}) {
    if (s == JointKindName(k)) {
      *kind = k;
      return true;
    }
  }
  return false;
}

}  // namespace

json SignatureJson(const StateLayout& signature) {
  json joints = json::array();
  for (const JointInfo& j : signature.joints) {
    joints.push_back({{"name", j.name}, {"type", JointKindName(j.kind)},
                      {"qposadr", j.qposadr}, {"dofadr", j.dofadr}});
  }
  return {{"nq", signature.nq}, {"nv", signature.nv}, {"nu", signature.nu},
          {"timestep", signature.timestep}, {"control_period", signature.ControlPeriod()},
          {"joints", joints}, {"actuators", signature.actuators}};
}

bool ParseSignature(const json& sig, StateLayout* signature, std::string* error) {
  StateLayout& s = *signature;
  s.nq = sig.at("nq");
  s.nv = sig.at("nv");
  s.nu = sig.at("nu");
  s.timestep = sig.at("timestep");
  // models written before control periods existed were trained one timestep per record
  s.control_period = sig.value("control_period", s.timestep);
  s.joints.clear();
  for (const json& j : sig.at("joints")) {
    JointInfo info;
    info.name = j.at("name");
    info.qposadr = j.at("qposadr");
    info.dofadr = j.at("dofadr");
    if (!ParseJointKind(j.at("type"), &info.kind)) {
      *error = "unknown joint type '" + j.at("type").get<std::string>() + "'";
      return false;
    }
    s.joints.push_back(info);
  }
  s.actuators = sig.at("actuators").get<std::vector<std::string>>();
  if (static_cast<int>(s.actuators.size()) != s.nu || s.nq < 0 || s.nv < 0 || !(s.timestep > 0)) {
    *error = "inconsistent signature (nu vs actuator names, or timestep <= 0)";
    return false;
  }
  if (s.ControlSubsteps() == 0) {
    *error = "signature.control_period " + std::to_string(s.control_period) +
             " s is not a whole number (>= 1) of its timestep " + std::to_string(s.timestep) + " s";
    return false;
  }
  return true;
}

json ContactPairsJson(const std::vector<ContactPair>& pairs) {
  json out = json::array();
  for (const ContactPair& p : pairs) {
    json pair = json::array();
    for (const GeomShape* g : {&p.geom1, &p.geom2}) {
      pair.push_back({{"name", g->name}, {"type", g->type}, {"size", g->size}});
    }
    out.push_back(pair);
  }
  return out;
}

bool ParseContactPairs(const json& pairs, std::vector<ContactPair>* out, std::string* error) {
  out->clear();
  if (!pairs.is_array()) {
    *error = "contact_pairs must be a list of [geom1, geom2] pairs";
    return false;
  }
  for (const json& pair : pairs) {
    ContactPair p;
    GeomShape* g[2] = {&p.geom1, &p.geom2};
    if (!pair.is_array() || pair.size() != 2) {
      *error = "contact_pairs must hold [geom1, geom2] pairs";
      return false;
    }
    for (int i = 0; i < 2; ++i) {
      g[i]->name = pair[i].at("name");
      g[i]->type = pair[i].at("type");
      g[i]->size = pair[i].at("size");
    }
    out->push_back(p);
  }
  return true;
}

std::string CheckSignature(const StateLayout& model, const StateLayout& scene) {
  const StateLayout& m = model;
  auto sizes = [](const StateLayout& s) {
    return "nq=" + std::to_string(s.nq) + " nv=" + std::to_string(s.nv) + " nu=" + std::to_string(s.nu);
  };
  if (m.nq != scene.nq || m.nv != scene.nv || m.nu != scene.nu) {
    return "model was trained for " + sizes(m) + " but the scene has " + sizes(scene);
  }
  if (m.joints.size() != scene.joints.size()) {
    return "model expects " + std::to_string(m.joints.size()) + " joints, the scene has " +
           std::to_string(scene.joints.size());
  }
  for (size_t i = 0; i < m.joints.size(); ++i) {
    const JointInfo &a = m.joints[i], &b = scene.joints[i];
    if (a.name != b.name || a.kind != b.kind || a.qposadr != b.qposadr || a.dofadr != b.dofadr) {
      return "joint " + std::to_string(i) + " is " + JointKindName(b.kind) + " '" + b.name +
             "' in the scene but " + JointKindName(a.kind) + " '" + a.name + "' in the model";
    }
  }
  for (size_t i = 0; i < m.actuators.size(); ++i) {
    if (m.actuators[i] != scene.actuators[i]) {
      return "actuator " + std::to_string(i) + " is '" + scene.actuators[i] +
             "' in the scene but '" + m.actuators[i] + "' in the model";
    }
  }
  if (std::abs(m.timestep - scene.timestep) > 1e-9 * m.timestep) {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  "model was trained at timestep %g s but the scene uses %g s "
                  "(retrain, or set <option timestep=\"%g\"/>)",
                  m.timestep, scene.timestep, m.timestep);
    return buf;
  }
  return "";
}

}  // namespace mjhybrid
