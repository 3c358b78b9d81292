// Find the recommendation of a polling station in the data embedded in this page.
// Runs on the reader's device only: the page's security policy forbids every request.
const data = JSON.parse(document.getElementById("voter-data").textContent);
const region = document.getElementById("region");
const number = document.getElementById("number");
const answer = document.getElementById("answer");

function line(text, className) {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  answer.appendChild(p);
}

function show() {
  answer.replaceChildren();
  const typed = number.value.trim();
  if (typed === "") return;
  const stations = data.stations[region.value] || {};
  const district = stations[String(parseInt(typed, 10))];
  if (district === undefined) {
    line(data.text.unknown, "caveat");
    return;
  }
  const pick = data.picks[district];
  line(data.text.district + " " + district);
  line(pick.name + (pick.party ? " (" + pick.party + ")" : ""), "pick");
  if (pick.probability !== null) line(pick.probability + " " + data.text.probability);
  if (pick.flags.length) line(pick.flags.join(", "), "caveat");
}

number.addEventListener("input", show);
region.addEventListener("change", show);
