// Placeholder until the review panel lands: the bundle must exist for the build.
const root = document.getElementById('root');
if (root) root.textContent = 'Reward Lens review panel';
